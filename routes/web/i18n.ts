/**
 * @module The pages' words in Korean (the default) and English, one catalogue; validation
 * messages are keyed by the API's problem code and the field (`invalid_body.title`).
 */

/** A language the pages speak. */
export type Lang = "ko" | "en";

/** The cookie the language switch sets. */
export const LANG_COOKIE = "lang";

const EN = {
  "nav.board": "Board",
  "nav.write": "Write",
  "nav.account": "Account",
  "nav.log": "Call log",
  "nav.users": "Users",
  "nav.signin": "Sign in",
  "nav.signup": "Sign up",
  "nav.signout": "Sign out",
  "nav.main": "Main menu",
  "nav.signedInAs": "Signed in as {name}",
  "lang.other": "한국어",
  "lang.label": "Language",
  "board.heading": "Posts",
  "board.empty": "No posts yet.",
  "board.noResults": "No posts match this search.",
  "board.searchLabel": "Search posts",
  "board.searchButton": "Search",
  "board.resultsFor": "Search results: {q}",
  "board.all": "All posts",
  "board.newer": "← Newest",
  "board.older": "Older →",
  "board.paging": "Pages",
  "board.badSearch":
    "A search needs a word of at least 2 characters, and at most 20 words and 200 characters.",
  "post.by": "by {author}",
  "post.noAuthor": "no author",
  "post.edited": "edited",
  "post.noDate": "date unknown",
  "post.edit": "Edit",
  "post.delete": "Delete",
  "post.back": "Back to the board",
  "write.heading": "Write a post",
  "write.submit": "Publish",
  "edit.heading": "Edit the post",
  "edit.submit": "Save",
  "field.title": "Title",
  "field.content": "Content",
  "field.username": "Username",
  "field.password": "Password",
  "field.current_password": "Current password",
  "field.new_password": "New password",
  "field.url": "Path",
  "field.user_id": "User",
  "field.status": "Status",
  "field.method": "Method",
  "field.since": "From",
  "field.until": "Until",
  "field.trace_id": "Trace id",
  "field.role": "Role",
  "field.disabled": "Disabled",
  "hint.title": "At most 30 characters.",
  "hint.content": "At most 2000 characters.",
  "hint.username": "3-30 characters: a-z, 0-9, _ . -",
  "hint.password": "8-256 characters.",
  "signin.heading": "Sign in",
  "signin.submit": "Sign in",
  "signin.failed": "The username or the password is wrong.",
  "signin.disabled": "This account is disabled.",
  "signin.noAccount": "No account yet?",
  "signup.heading": "Create an account",
  "signup.submit": "Sign up",
  "signup.haveAccount": "Already registered?",
  "account.heading": "Change your password",
  "account.submit": "Change password",
  "account.changed": "Your password was changed. Your other sessions were signed out.",
  "account.role": "Role: {role}",
  "log.heading": "Call log",
  "log.filter": "Filter",
  "log.clear": "Clear",
  "log.empty": "No calls match.",
  "log.time": "Time",
  "log.duration": "ms",
  "log.trace": "Trace",
  "log.older": "Older →",
  "users.heading": "Users",
  "users.created": "Created",
  "users.save": "Save",
  "users.next": "More →",
  "users.saved": "Saved {name}.",
  "role.user": "user",
  "role.admin": "admin",
  "error.heading": "Something went wrong",
  "error.traceId": "Trace id for a bug report: {id}",
  "error.invalid_parameter": "The address holds a value the board cannot use.",
  "error.malformed_json": "The request could not be read.",
  "error.invalid_body": "The form holds a value the board cannot use.",
  "error.unauthenticated": "Sign in first.",
  "error.forbidden": "You may not do this.",
  "error.not_found": "There is nothing here.",
  "error.method_not_allowed": "This page does not take that kind of request.",
  "error.conflict": "This clashes with what is stored.",
  "error.payload_too_large": "The form is too large.",
  "error.unsupported_media_type": "Send the form as a web form.",
  "error.rate_limited": "Too many requests: wait a moment and try again.",
  "error.internal_error": "The server failed to answer; the failure has been logged.",
  "error.not_ready": "The board is busy; try again in a moment.",
  "invalid_body.title": "The title must be 1-30 characters.",
  "invalid_body.content": "The content must be 1-2000 characters.",
  "invalid_body.username": "The username must be 3-30 characters: a-z, 0-9, _ . -",
  "invalid_body.password": "The password must be 8-256 characters.",
  "invalid_body.new_password": "The new password must be 8-256 characters.",
  "conflict.username": "This username is taken.",
  "forbidden.current_password": "The current password is not correct.",
} as const;

/** A key of the catalogue. */
export type MessageKey = keyof typeof EN;

const KO: Readonly<Record<MessageKey, string>> = {
  "nav.board": "게시판",
  "nav.write": "글쓰기",
  "nav.account": "계정",
  "nav.log": "호출 기록",
  "nav.users": "사용자",
  "nav.signin": "로그인",
  "nav.signup": "회원가입",
  "nav.signout": "로그아웃",
  "nav.main": "주 메뉴",
  "nav.signedInAs": "{name} 님",
  "lang.other": "English",
  "lang.label": "언어",
  "board.heading": "게시글",
  "board.empty": "아직 글이 없습니다.",
  "board.noResults": "검색 결과가 없습니다.",
  "board.searchLabel": "글 검색",
  "board.searchButton": "검색",
  "board.resultsFor": "검색 결과: {q}",
  "board.all": "전체 글",
  "board.newer": "← 최신",
  "board.older": "이전 글 →",
  "board.paging": "페이지",
  "board.badSearch":
    "검색어에는 2자 이상인 단어가 하나 있어야 하고, 20단어·200자를 넘을 수 없습니다.",
  "post.by": "작성자 {author}",
  "post.noAuthor": "작성자 없음",
  "post.edited": "수정됨",
  "post.noDate": "날짜 모름",
  "post.edit": "수정",
  "post.delete": "삭제",
  "post.back": "게시판으로",
  "write.heading": "글쓰기",
  "write.submit": "올리기",
  "edit.heading": "글 수정",
  "edit.submit": "저장",
  "field.title": "제목",
  "field.content": "내용",
  "field.username": "아이디",
  "field.password": "비밀번호",
  "field.current_password": "현재 비밀번호",
  "field.new_password": "새 비밀번호",
  "field.url": "경로",
  "field.user_id": "사용자",
  "field.status": "상태 코드",
  "field.method": "메서드",
  "field.since": "시작 시각",
  "field.until": "끝 시각",
  "field.trace_id": "트레이스 ID",
  "field.role": "역할",
  "field.disabled": "비활성",
  "hint.title": "30자 이하.",
  "hint.content": "2000자 이하.",
  "hint.username": "3~30자: a-z, 0-9, _ . -",
  "hint.password": "8~256자.",
  "signin.heading": "로그인",
  "signin.submit": "로그인",
  "signin.failed": "아이디 또는 비밀번호가 틀렸습니다.",
  "signin.disabled": "비활성화된 계정입니다.",
  "signin.noAccount": "계정이 없으신가요?",
  "signup.heading": "회원가입",
  "signup.submit": "가입하기",
  "signup.haveAccount": "이미 가입하셨나요?",
  "account.heading": "비밀번호 변경",
  "account.submit": "비밀번호 변경",
  "account.changed": "비밀번호를 바꿨습니다. 다른 세션은 모두 로그아웃되었습니다.",
  "account.role": "역할: {role}",
  "log.heading": "호출 기록",
  "log.filter": "필터",
  "log.clear": "초기화",
  "log.empty": "해당하는 호출이 없습니다.",
  "log.time": "시각",
  "log.duration": "ms",
  "log.trace": "트레이스",
  "log.older": "이전 기록 →",
  "users.heading": "사용자",
  "users.created": "가입일",
  "users.save": "저장",
  "users.next": "더 보기 →",
  "users.saved": "{name} 님의 설정을 저장했습니다.",
  "role.user": "사용자",
  "role.admin": "관리자",
  "error.heading": "문제가 생겼습니다",
  "error.traceId": "오류 신고용 트레이스 ID: {id}",
  "error.invalid_parameter": "주소에 쓸 수 없는 값이 있습니다.",
  "error.malformed_json": "요청을 읽을 수 없습니다.",
  "error.invalid_body": "양식에 쓸 수 없는 값이 있습니다.",
  "error.unauthenticated": "먼저 로그인하세요.",
  "error.forbidden": "이 작업을 할 권한이 없습니다.",
  "error.not_found": "찾는 내용이 없습니다.",
  "error.method_not_allowed": "이 페이지는 그런 요청을 받지 않습니다.",
  "error.conflict": "저장된 내용과 충돌합니다.",
  "error.payload_too_large": "양식이 너무 큽니다.",
  "error.unsupported_media_type": "웹 양식으로 보내 주세요.",
  "error.rate_limited": "요청이 너무 많습니다. 잠시 후 다시 시도하세요.",
  "error.internal_error": "서버가 응답하지 못했습니다. 오류는 기록되었습니다.",
  "error.not_ready": "게시판이 바쁩니다. 잠시 후 다시 시도하세요.",
  "invalid_body.title": "제목은 1~30자여야 합니다.",
  "invalid_body.content": "내용은 1~2000자여야 합니다.",
  "invalid_body.username": "아이디는 3~30자의 a-z, 0-9, _ . - 만 쓸 수 있습니다.",
  "invalid_body.password": "비밀번호는 8~256자여야 합니다.",
  "invalid_body.new_password": "새 비밀번호는 8~256자여야 합니다.",
  "conflict.username": "이미 쓰이는 아이디입니다.",
  "forbidden.current_password": "현재 비밀번호가 맞지 않습니다.",
};

/** Every message, by language: the same keys in both (the type says so). */
export const CATALOGUE: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = {
  en: EN,
  ko: KO,
};

/** The text of `key` in `lang`, with `{name}` placeholders filled from `values`. */
export function text(
  lang: Lang,
  key: MessageKey,
  values: Readonly<Record<string, string>> = {},
): string {
  return CATALOGUE[lang][key].replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
}

/** The catalogue key of a broken rule about `field` (`invalid_body.title`), if it has one. */
export function fieldMessageKey(code: string, field: string): MessageKey | undefined {
  const key = `${code}.${field}`;
  return key in EN ? key as MessageKey : undefined;
}

/**
 * The reader's language: the `lang` cookie when it names one, else English when
 * Accept-Language ranks it above Korean, else Korean.
 */
export function chooseLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (cookie === "ko" || cookie === "en") return cookie;
  let best: { lang: Lang; q: number } | undefined;
  for (const part of (acceptLanguage ?? "").split(",").slice(0, 20)) {
    const [tag = "", ...params] = part.trim().toLowerCase().split(";");
    const primary = tag.split("-")[0];
    if (primary !== "ko" && primary !== "en") continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > 0 && (best === undefined || q > best.q)) {
      best = { lang: primary, q };
    }
  }
  return best?.lang ?? "ko";
}

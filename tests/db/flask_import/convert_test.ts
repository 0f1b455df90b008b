/**
 * @module Tests for db/flask_import/convert.ts: every NULL, empty and over-long case of the
 * Flask columns, one table row each — stored as unknown, cut and counted, or refused with its
 * table, seq and column.
 */

import assert from "node:assert/strict";
import type { SQLOutputValue } from "node:sqlite";
import { FlaskRowConverter } from "../../../db/flask_import/convert.ts";
import type { FlaskCall, FlaskPost } from "../../../db/flask_import/flask_source.ts";
import { NaiveTimeReader } from "../../../lib/naive_time.ts";

const converter = new FlaskRowConverter(new NaiveTimeReader("Asia/Seoul"));

const POST: FlaskPost = {
  seq: 7,
  title: "제목",
  content: "내용",
  create_date: "2024-07-01 10:00:00.000000",
  update_date: "2024-07-02 10:00:00",
};

const CALL: FlaskCall = {
  seq: 9,
  user_ip: "127.0.0.1",
  user_id: "kim",
  start_time: "2024-07-01 10:00:00.123456",
  end_time: "2024-07-01 10:00:00.200000",
  call_url: "/board",
  call_url_parameter: "limit=5",
};

/** What a case expects: some fields of the converted row, the columns cut, or the problem. */
interface Expected {
  readonly row?: Record<string, SQLOutputValue>;
  readonly truncated?: readonly string[];
  readonly problem?: RegExp;
}

const korean = (n: number) => "가".repeat(n);

const POST_CASES: readonly [why: string, change: Partial<FlaskPost>, expected: Expected][] = [
  ["as written", {}, {
    row: {
      seq: 7,
      title: "제목",
      create_date: "2024-07-01T01:00:00.000Z",
      update_date: "2024-07-02T01:00:00.000Z",
    },
  }],
  ["NULL update_date takes create_date", { update_date: null }, {
    row: { create_date: "2024-07-01T01:00:00.000Z", update_date: "2024-07-01T01:00:00.000Z" },
  }],
  ["NULL create_date is unknown", { create_date: null }, {
    row: { create_date: null, update_date: "2024-07-02T01:00:00.000Z" },
  }],
  ["both dates NULL", { create_date: null, update_date: null }, {
    row: { create_date: null, update_date: null },
  }],
  ["NULL title", { title: null }, { problem: /^board seq 7, column title: is NULL; .*1 to 30/ }],
  ["empty title", { title: "" }, { problem: /^board seq 7, column title: is empty; .*1 to 30/ }],
  ["NULL content", { content: null }, { problem: /^board seq 7, column content: is NULL; .*2000/ }],
  ["empty content", { content: "" }, { problem: /^board seq 7, column content: is empty/ }],
  ["title of 30 characters", { title: korean(30) }, { row: { title: korean(30) }, truncated: [] }],
  ["title of 31 characters", { title: korean(31) }, {
    row: { title: korean(30) },
    truncated: ["board.title"],
  }],
  ["emoji cut whole", { title: `${"a".repeat(29)}😀😀` }, {
    row: { title: `${"a".repeat(29)}😀` },
    truncated: ["board.title"],
  }],
  ["content of 2001 characters", { content: korean(2001) }, {
    row: { content: korean(2000) },
    truncated: ["board.content"],
  }],
  ["a number as title", { title: 42 }, { row: { title: "42" } }],
  ["a BLOB title", { title: new Uint8Array([1, 2]) }, {
    problem: /^board seq 7, column title: holds 2 bytes of binary data/,
  }],
  ["a month 13", { create_date: "2024-13-01 10:00:00" }, {
    problem: /^board seq 7, column create_date: "2024-13-01 10:00:00" is not a time/,
  }],
  ["a number as date", { update_date: 20240701 }, {
    problem: /^board seq 7, column update_date: "20240701" is not a time/,
  }],
];

const CALL_CASES: readonly [why: string, change: Partial<FlaskCall>, expected: Expected][] = [
  ["as written", {}, {
    row: {
      seq: 9,
      start_time: "2024-07-01T01:00:00.123Z",
      end_time: "2024-07-01T01:00:00.200Z",
      call_url: "/board",
      call_url_parameter: "limit=5",
    },
  }],
  ["NULL start_time", { start_time: null }, {
    problem: /^log_api seq 9, column start_time: is NULL/,
  }],
  ["unreadable start_time", { start_time: "yesterday" }, {
    problem: /^log_api seq 9, column start_time: "yesterday" is not a time/,
  }],
  ["NULL end_time is unknown", { end_time: null }, { row: { end_time: null } }],
  ["unreadable end_time", { end_time: "2024-07-01 25:00:00" }, {
    problem: /^log_api seq 9, column end_time: /,
  }],
  ["NULL call_url", { call_url: null }, { problem: /^log_api seq 9, column call_url: is NULL/ }],
  ["empty call_url", { call_url: "" }, { row: { call_url: "" } }],
  ["call_url of 101 characters", { call_url: `/${"b".repeat(100)}` }, {
    row: { call_url: `/${"b".repeat(99)}` },
    truncated: ["log_api.call_url"],
  }],
  ["NULL user_ip", { user_ip: null }, { row: { user_ip: null } }],
  ["empty user_ip", { user_ip: "" }, { row: { user_ip: "" } }],
  ["user_ip of 46 characters", { user_ip: "1".repeat(46) }, {
    row: { user_ip: "1".repeat(45) },
    truncated: ["log_api.user_ip"],
  }],
  ["NULL user_id", { user_id: null }, { row: { user_id: null } }],
  ["user_id of 31 characters", { user_id: korean(31) }, {
    row: { user_id: korean(30) },
    truncated: ["log_api.user_id"],
  }],
  ["NULL call_url_parameter", { call_url_parameter: null }, { row: { call_url_parameter: null } }],
  ["empty call_url_parameter", { call_url_parameter: "" }, { row: { call_url_parameter: "" } }],
  ["call_url_parameter of 301 characters", { call_url_parameter: "q".repeat(301) }, {
    row: { call_url_parameter: "q".repeat(300) },
    truncated: ["log_api.call_url_parameter"],
  }],
];

function check<T>(
  why: string,
  converted: { row: T | undefined; truncated: readonly string[]; problems: readonly string[] },
  expected: Expected,
): void {
  if (expected.problem !== undefined) {
    assert.equal(converted.row, undefined, `${why}: refused`);
    assert.equal(converted.problems.length, 1, `${why}: ${converted.problems}`);
    assert.match(converted.problems[0]!, expected.problem, why);
    return;
  }
  assert.deepEqual(converted.problems, [], why);
  const row = converted.row as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected.row ?? {})) {
    assert.deepEqual(row[key], value, `${why}: ${key}`);
  }
  assert.deepEqual(converted.truncated, expected.truncated ?? [], `${why}: truncated`);
}

Deno.test("Each NULL, empty and over-long board value is kept as unknown, cut, or refused by seq and column", () => {
  for (const [why, change, expected] of POST_CASES) {
    check(why, converter.post({ ...POST, ...change }), expected);
  }
});

Deno.test("Each NULL, empty and over-long log_api value is kept as unknown, cut, or refused by seq and column", () => {
  for (const [why, change, expected] of CALL_CASES) {
    check(why, converter.call({ ...CALL, ...change }), expected);
  }
});

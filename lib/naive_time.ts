/**
 * @module Naive local times (`2024-07-01 10:00:00.000000`, as SQLAlchemy writes DATETIME to
 * SQLite) read in an IANA time zone and turned into ISO-8601 UTC with milliseconds.
 */

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

const DAY_MS = 86_400_000;

/** The IANA zone this machine's clock is set to (for example `Asia/Seoul`). */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether `zone` is a time zone Intl knows (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone !== "";
  } catch {
    return false;
  }
}

/**
 * Reads naive local times in one zone. Daylight-saving transitions follow the usual
 * ("compatible") rule: a time that occurs twice (clocks set back) is the first of the two; a
 * time that never occurred (clocks set forward) is moved forward by the gap, so `02:30` on the
 * night Berlin skips from 02:00 to 03:00 is read as `03:30` local time.
 */
export class NaiveTimeReader {
  readonly #format: Intl.DateTimeFormat;

  /** @param zone an IANA time zone; throws RangeError if Intl does not know it. */
  constructor(zone: string) {
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /**
   * `text` (`YYYY-MM-DD HH:MM:SS` with an optional fraction of up to 6 digits, cut to
   * milliseconds) as ISO-8601 UTC, or undefined when it is not such a time (Feb 30 included).
   */
  toUtc(text: string): string | undefined {
    const match = NAIVE.exec(text);
    if (match === null || match[1] === "0000") return undefined;
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const millis = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
    const local = utcMs(year, month, day, hour, minute, second, millis);
    const back = new Date(local);
    if (
      back.getUTCFullYear() !== year || back.getUTCMonth() + 1 !== month ||
      back.getUTCDate() !== day || back.getUTCHours() !== hour ||
      back.getUTCMinutes() !== minute || back.getUTCSeconds() !== second
    ) return undefined;
    return new Date(this.#instantOf(local)).toISOString();
  }

  /** The instant whose wall-clock time in the zone reads `local` (epoch ms as if UTC). */
  #instantOf(local: number): number {
    const before = this.#offsetMs(local - DAY_MS);
    const after = this.#offsetMs(local + DAY_MS);
    const fits = [before, after].map((offset) => local - offset).filter((instant) =>
      local - this.#offsetMs(instant) === instant
    );
    // Two fits: the time occurs twice (take the earlier); none: it falls into a gap.
    return fits.length > 0 ? Math.min(...fits) : local - before;
  }

  /** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
  #offsetMs(instant: number): number {
    const fields: Record<string, string> = {};
    for (const part of this.#format.formatToParts(instant)) fields[part.type] = part.value;
    // Astronomical years: 1 BC is year 0 (only near 0001-01-01 does the zone's clock get there).
    const bc = fields.era === "BC" || fields.era === "B";
    const wall = utcMs(
      bc ? 1 - Number(fields.year) : Number(fields.year),
      Number(fields.month),
      Number(fields.day),
      Number(fields.hour),
      Number(fields.minute),
      Number(fields.second),
      0,
    );
    const wholeSeconds = Math.floor(instant / 1000) * 1000;
    return wall - wholeSeconds;
  }
}

/** Epoch milliseconds of a UTC wall-clock time, years 0-99 included (Date.UTC maps them to 19xx). */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

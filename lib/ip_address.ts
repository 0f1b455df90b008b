/** @module Parsing, canonicalisation and CIDR matching of IPv4 and IPv6 addresses. */

/** An IP address in binary form together with its canonical text form. */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
  readonly text: string;
}

/** A CIDR block: a network address and the number of leading bits that must match. */
export interface CidrBlock {
  readonly version: 4 | 6;
  readonly network: Uint8Array;
  readonly prefixLength: number;
  readonly text: string;
}

/** Longest input accepted by {@linkcode parseIpAddress}; longer inputs are rejected unparsed. */
const MAX_INPUT_LENGTH = 64;

/** First 12 bytes of an IPv4-mapped IPv6 address (::ffff:0:0/96). */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

interface RawIp {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

function parseIpv4Bytes(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part === 3) return undefined;
      bytes[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return undefined;
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || part !== 3) return undefined;
  bytes[3] = value;
  return bytes;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function parseIpv6Groups(groups: readonly string[], allowIpv4Last: boolean): number[] | undefined {
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? "";
    if (allowIpv4Last && i === groups.length - 1 && group.includes(".")) {
      const v4 = parseIpv4Bytes(group);
      if (v4 === undefined) return undefined;
      words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (group.length === 0 || group.length > 4) return undefined;
    let word = 0;
    for (let j = 0; j < group.length; j++) {
      const digit = hexDigit(group.charCodeAt(j));
      if (digit < 0) return undefined;
      word = (word << 4) | digit;
    }
    words.push(word);
  }
  return words;
}

function parseIpv6Bytes(text: string): Uint8Array | undefined {
  if (text.length < 2) return undefined;
  const gap = text.indexOf("::");
  if (gap !== -1 && text.indexOf("::", gap + 1) !== -1) return undefined;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const headWords = parseIpv6Groups(head === "" ? [] : head.split(":"), gap === -1);
  if (headWords === undefined) return undefined;
  const tailWords = parseIpv6Groups(tail === "" ? [] : tail.split(":"), true);
  if (tailWords === undefined) return undefined;
  const total = headWords.length + tailWords.length;
  if (gap === -1 ? total !== 8 : total > 7) return undefined;
  const bytes = new Uint8Array(16);
  headWords.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  const tailStart = 8 - tailWords.length;
  tailWords.forEach((word, i) => {
    bytes[(tailStart + i) * 2] = word >> 8;
    bytes[(tailStart + i) * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** Parses a bare address (no brackets, no whitespace) keeping its textual version. */
function parseRawIp(text: string): RawIp | undefined {
  if (text.length > MAX_INPUT_LENGTH) return undefined;
  if (text.includes(":")) {
    const bytes = parseIpv6Bytes(text);
    return bytes === undefined ? undefined : { version: 6, bytes };
  }
  const bytes = parseIpv4Bytes(text);
  return bytes === undefined ? undefined : { version: 4, bytes };
}

function hasMappedPrefix(bytes: Uint8Array): boolean {
  return bytes.length === 16 && MAPPED_PREFIX.every((byte, i) => bytes[i] === byte);
}

function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}.${bytes[3] ?? 0}`;
}

function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestStart === -1) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

function formatBytes(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

function toIpAddress(raw: RawIp): IpAddress {
  if (raw.version === 6 && hasMappedPrefix(raw.bytes)) {
    const bytes = raw.bytes.slice(12);
    return { version: 4, bytes, text: formatIpv4(bytes) };
  }
  return { version: raw.version, bytes: raw.bytes, text: formatBytes(raw.bytes) };
}

/**
 * Parses an IPv4 or IPv6 address, returning `undefined` for anything that is not exactly one
 * address; IPv4-mapped IPv6 addresses are returned as IPv4.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== "string" || text.length > MAX_INPUT_LENGTH) return undefined;
  let inner = text.trim();
  const bracketed = inner.startsWith("[");
  if (bracketed) {
    if (!inner.endsWith("]")) return undefined;
    inner = inner.slice(1, -1);
  }
  const raw = parseRawIp(inner);
  if (raw === undefined || (bracketed && raw.version !== 6)) return undefined;
  return toIpAddress(raw);
}

function maskBytes(bytes: Uint8Array, prefixLength: number): Uint8Array {
  const masked = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.min(8, Math.max(0, prefixLength - i * 8));
    masked[i] = (bytes[i] ?? 0) & ((0xff00 >> bits) & 0xff);
  }
  return masked;
}

/**
 * Parses CIDR notation such as `10.0.0.0/8` or `fd00::/8` (a bare address is a single host),
 * throwing an `Error` that names the bad value when it is invalid.
 */
export function parseCidr(text: string): CidrBlock {
  if (typeof text !== "string") {
    throw new Error(`Cannot parse CIDR: expected a string, got ${typeof text}`);
  }
  const input = text.trim();
  if (input === "") throw new Error(`Cannot parse CIDR "${text}": value is empty`);
  const slash = input.indexOf("/");
  const addressText = slash === -1 ? input : input.slice(0, slash);
  const raw = parseRawIp(addressText);
  if (raw === undefined) {
    throw new Error(`Cannot parse CIDR "${input}": "${addressText}" is not a valid IP address`);
  }
  const maxPrefix = raw.version === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (slash !== -1) {
    const prefixText = input.slice(slash + 1);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) {
      throw new Error(
        `Cannot parse CIDR "${input}": prefix length "${prefixText}" is not a decimal integer`,
      );
    }
    prefixLength = Number(prefixText);
    if (prefixLength > maxPrefix) {
      throw new Error(
        `Cannot parse CIDR "${input}": prefix length must be 0-${maxPrefix} for IPv${raw.version}`,
      );
    }
  }
  const network = maskBytes(raw.bytes, prefixLength);
  if (raw.version === 6 && prefixLength >= 96 && hasMappedPrefix(network)) {
    const v4Network = network.slice(12);
    const v4Prefix = prefixLength - 96;
    return {
      version: 4,
      network: v4Network,
      prefixLength: v4Prefix,
      text: `${formatIpv4(v4Network)}/${v4Prefix}`,
    };
  }
  return {
    version: raw.version,
    network,
    prefixLength,
    text: `${formatBytes(network)}/${prefixLength}`,
  };
}

/**
 * Parses a comma-separated list of CIDR blocks, ignoring empty entries and throwing on the first
 * invalid one.
 */
export function parseCidrList(text: string): CidrBlock[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => parseCidr(entry));
}

/**
 * Reports whether the address lies inside the block; addresses and blocks of different versions
 * never match.
 */
export function cidrContains(block: CidrBlock, ip: IpAddress): boolean {
  if (block.version !== ip.version || block.network.length !== ip.bytes.length) return false;
  const fullBytes = block.prefixLength >> 3;
  for (let i = 0; i < fullBytes; i++) {
    if (block.network[i] !== ip.bytes[i]) return false;
  }
  const remainingBits = block.prefixLength & 7;
  if (remainingBits === 0) return true;
  const mask = (0xff00 >> remainingBits) & 0xff;
  return ((ip.bytes[fullBytes] ?? 0) & mask) === ((block.network[fullBytes] ?? 0) & mask);
}

/** Reports whether the address lies inside any of the given blocks. */
export function isTrusted(ip: IpAddress, blocks: readonly CidrBlock[]): boolean {
  return blocks.some((block) => cidrContains(block, ip));
}

/** @module Tests for IP address parsing, canonicalisation and CIDR matching. */

import assert from "node:assert/strict";
import {
  cidrContains,
  type IpAddress,
  isTrusted,
  parseCidr,
  parseCidrList,
  parseIpAddress,
} from "../../lib/ip_address.ts";

function mustParse(text: string): IpAddress {
  const ip = parseIpAddress(text);
  assert.ok(ip !== undefined, `expected ${JSON.stringify(text)} to parse`);
  return ip;
}

Deno.test("parseIpAddress accepts strict IPv4 dotted quads", () => {
  const cases: [string, number[]][] = [
    ["0.0.0.0", [0, 0, 0, 0]],
    ["127.0.0.1", [127, 0, 0, 1]],
    ["10.20.30.40", [10, 20, 30, 40]],
    ["255.255.255.255", [255, 255, 255, 255]],
    ["192.168.100.200", [192, 168, 100, 200]],
    ["  8.8.8.8\t", [8, 8, 8, 8]],
  ];
  for (const [text, bytes] of cases) {
    const ip = mustParse(text);
    assert.equal(ip.version, 4, text);
    assert.deepEqual([...ip.bytes], bytes, text);
    assert.equal(ip.text, bytes.join("."), text);
  }
});

Deno.test("parseIpAddress rejects malformed IPv4", () => {
  const cases = [
    "",
    " ",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.1",
    "1.2.3.256",
    "999.1.1.1",
    "01.2.3.4",
    "1.2.3.04",
    "1.2.3.00",
    "1..3.4",
    ".1.2.3",
    "1.2.3.",
    "1.2.3.4.",
    "1.2.3.-4",
    "1.2.3.+4",
    "1.2.3.4:80",
    "1.2.3.4/32",
    "1.2 .3.4",
    "1.2.3.4 5",
    "0x7f.0.0.1",
    "127.1",
    "2130706433",
    "a.b.c.d",
    "１.２.３.４",
    "[1.2.3.4]",
    "localhost",
    "unknown",
  ];
  for (const text of cases) {
    assert.equal(parseIpAddress(text), undefined, JSON.stringify(text));
  }
});

Deno.test("parseIpAddress accepts every standard IPv6 form and canonicalises it per RFC 5952", () => {
  const cases: [string, string][] = [
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["fe80::1", "fe80::1"],
    ["FE80::1", "fe80::1"],
    ["2001:DB8::A", "2001:db8::a"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
    ["abcd:ef01:2345:6789:abcd:ef01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"],
    ["fd00::", "fd00::"],
    ["[::1]", "::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    [" ::1 ", "::1"],
    ["::1.2.3.4", "::102:304"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["::ffff:0:1.2.3.4", "::ffff:0:102:304"],
  ];
  for (const [text, canonical] of cases) {
    const ip = mustParse(text);
    assert.equal(ip.version, 6, text);
    assert.equal(ip.bytes.length, 16, text);
    assert.equal(ip.text, canonical, text);
    assert.equal(mustParse(canonical).text, canonical, `${text} round-trips`);
  }
});

Deno.test("parseIpAddress produces the right IPv6 bytes", () => {
  assert.deepEqual([...mustParse("::").bytes], new Array(16).fill(0));
  assert.deepEqual([...mustParse("::1").bytes], [...new Array(15).fill(0), 1]);
  assert.deepEqual(
    [...mustParse("2001:db8::ff00:42:8329").bytes],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29],
  );
});

Deno.test("parseIpAddress rejects malformed IPv6, zone ids and ports", () => {
  const cases = [
    ":",
    ":::",
    "::::",
    "1:::2",
    "1::2::3",
    ":1",
    "1:",
    ":1::",
    "::1:",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1:2:3:4::5:6:7:8",
    "12345::",
    "g::1",
    "fe80::1%eth0",
    "fe80::1%1",
    "[::1]:443",
    "[::1",
    "::1]",
    "[[::1]]",
    "[]",
    ":: 1",
    "::1 ::2",
    "1.2.3.4::",
    "::1.2.3.4:5",
    "::1.2.3",
    "::256.1.1.1",
    "::01.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::ffff:1.2.3.4.5",
    "-::1",
    "0x1::",
  ];
  for (const text of cases) {
    assert.equal(parseIpAddress(text), undefined, JSON.stringify(text));
  }
});

Deno.test("parseIpAddress returns IPv4-mapped IPv6 addresses as IPv4", () => {
  const cases: [string, string][] = [
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:10.0.0.1", "10.0.0.1"],
    ["::ffff:7f00:1", "127.0.0.1"],
    ["::ffff:0102:0304", "1.2.3.4"],
    ["0:0:0:0:0:ffff:1.2.3.4", "1.2.3.4"],
    ["0000:0000:0000:0000:0000:ffff:0a00:0001", "10.0.0.1"],
    ["[::ffff:192.168.0.1]", "192.168.0.1"],
    ["::ffff:0.0.0.0", "0.0.0.0"],
  ];
  for (const [text, v4] of cases) {
    const ip = mustParse(text);
    assert.equal(ip.version, 4, text);
    assert.equal(ip.text, v4, text);
    assert.deepEqual(ip.bytes, mustParse(v4).bytes, text);
  }
});

Deno.test("parseIpAddress never throws and rejects over-long input quickly", () => {
  const hostile = [
    "1".repeat(100_000),
    ":".repeat(100_000),
    "1:".repeat(50_000),
    ".".repeat(100_000),
    "[".repeat(100_000),
    " ".repeat(30) + "::1" + " ".repeat(40),
    "\u0000",
    "::\u0000",
    "1.2.3.4\n",
  ];
  const start = performance.now();
  for (const text of hostile) parseIpAddress(text);
  assert.ok(performance.now() - start < 100);
  assert.equal(parseIpAddress("1".repeat(65)), undefined);
  assert.equal(parseIpAddress(" ".repeat(62) + "::1"), undefined);
  assert.equal(parseIpAddress(undefined as unknown as string), undefined);
  assert.equal(parseIpAddress(42 as unknown as string), undefined);
  assert.equal(parseIpAddress("1.2.3.4\n")?.text, "1.2.3.4");
});

Deno.test("parseCidr parses blocks and masks off host bits", () => {
  const cases: [string, 4 | 6, number, string][] = [
    ["127.0.0.1/32", 4, 32, "127.0.0.1/32"],
    ["10.0.0.0/8", 4, 8, "10.0.0.0/8"],
    ["10.1.2.3/8", 4, 8, "10.0.0.0/8"],
    ["192.168.1.255/23", 4, 23, "192.168.0.0/23"],
    ["0.0.0.0/0", 4, 0, "0.0.0.0/0"],
    ["1.2.3.4/0", 4, 0, "0.0.0.0/0"],
    ["127.0.0.1", 4, 32, "127.0.0.1/32"],
    [" 10.0.0.0/8 ", 4, 8, "10.0.0.0/8"],
    ["::1/128", 6, 128, "::1/128"],
    ["::1", 6, 128, "::1/128"],
    ["fd00::/8", 6, 8, "fd00::/8"],
    ["fdff:1234::1/8", 6, 8, "fd00::/8"],
    ["2001:DB8::/32", 6, 32, "2001:db8::/32"],
    ["2001:db8:1:2:3:4:5:6/64", 6, 64, "2001:db8:1:2::/64"],
    ["::/0", 6, 0, "::/0"],
    ["fe80::1/10", 6, 10, "fe80::/10"],
  ];
  for (const [text, version, prefixLength, canonical] of cases) {
    const block = parseCidr(text);
    assert.equal(block.version, version, text);
    assert.equal(block.prefixLength, prefixLength, text);
    assert.equal(block.text, canonical, text);
    assert.equal(block.network.length, version === 4 ? 4 : 16, text);
  }
});

Deno.test("parseCidr converts IPv4-mapped IPv6 blocks to IPv4 blocks", () => {
  const cases: [string, string][] = [
    ["::ffff:0:0/96", "0.0.0.0/0"],
    ["::ffff:127.0.0.1/128", "127.0.0.1/32"],
    ["::ffff:127.0.0.1", "127.0.0.1/32"],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8"],
    ["::ffff:10.1.2.3/104", "10.0.0.0/8"],
    ["::FFFF:c0a8:0/112", "192.168.0.0/16"],
  ];
  for (const [text, canonical] of cases) {
    const block = parseCidr(text);
    assert.equal(block.version, 4, text);
    assert.equal(block.text, canonical, text);
  }
  const wider = parseCidr("::ffff:0:0/95");
  assert.equal(wider.version, 6);
  assert.equal(wider.text, "::fffe:0:0/95");
});

Deno.test("parseCidr throws a message naming the bad entry", () => {
  const cases: [string, string][] = [
    ["", 'Cannot parse CIDR "": value is empty'],
    ["   ", 'Cannot parse CIDR "   ": value is empty'],
    ["10.0.0.0/33", 'Cannot parse CIDR "10.0.0.0/33": prefix length must be 0-32 for IPv4'],
    ["::/129", 'Cannot parse CIDR "::/129": prefix length must be 0-128 for IPv6'],
    ["::1/999", 'Cannot parse CIDR "::1/999": prefix length must be 0-128 for IPv6'],
    [
      "10.0.0.0/",
      'Cannot parse CIDR "10.0.0.0/": prefix length "" is not a decimal integer',
    ],
    [
      "10.0.0.0/8.5",
      'Cannot parse CIDR "10.0.0.0/8.5": prefix length "8.5" is not a decimal integer',
    ],
    [
      "10.0.0.0/-1",
      'Cannot parse CIDR "10.0.0.0/-1": prefix length "-1" is not a decimal integer',
    ],
    [
      "10.0.0.0/08",
      'Cannot parse CIDR "10.0.0.0/08": prefix length "08" is not a decimal integer',
    ],
    [
      "10.0.0.0/ 8",
      'Cannot parse CIDR "10.0.0.0/ 8": prefix length " 8" is not a decimal integer',
    ],
    [
      "10.0.0.0/8/8",
      'Cannot parse CIDR "10.0.0.0/8/8": prefix length "8/8" is not a decimal integer',
    ],
    [
      "10.0.0.0/1e1",
      'Cannot parse CIDR "10.0.0.0/1e1": prefix length "1e1" is not a decimal integer',
    ],
    ["/8", 'Cannot parse CIDR "/8": "" is not a valid IP address'],
    ["10.0.0/8", 'Cannot parse CIDR "10.0.0/8": "10.0.0" is not a valid IP address'],
    ["localhost", 'Cannot parse CIDR "localhost": "localhost" is not a valid IP address'],
    ["256.0.0.0/8", 'Cannot parse CIDR "256.0.0.0/8": "256.0.0.0" is not a valid IP address'],
    ["[::1]/128", 'Cannot parse CIDR "[::1]/128": "[::1]" is not a valid IP address'],
    [
      "fe80::1%eth0/64",
      'Cannot parse CIDR "fe80::1%eth0/64": "fe80::1%eth0" is not a valid IP address',
    ],
    ["10.0.0.0 /8", 'Cannot parse CIDR "10.0.0.0 /8": "10.0.0.0 " is not a valid IP address'],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCidr(text), { name: "Error", message }, JSON.stringify(text));
  }
});

Deno.test("parseCidrList splits on commas and ignores whitespace and empty entries", () => {
  assert.deepEqual(parseCidrList(""), []);
  assert.deepEqual(parseCidrList("  "), []);
  assert.deepEqual(parseCidrList(" , ,, "), []);
  assert.deepEqual(
    parseCidrList("127.0.0.1/32, ::1/128 ,10.0.0.0/8,,\tfd00::/8 ,").map((b) => b.text),
    ["127.0.0.1/32", "::1/128", "10.0.0.0/8", "fd00::/8"],
  );
  assert.deepEqual(parseCidrList("192.168.1.1").map((b) => b.text), ["192.168.1.1/32"]);
});

Deno.test("parseCidrList throws on the first invalid entry with parseCidr's message", () => {
  assert.throws(() => parseCidrList("127.0.0.1/32, 10.0.0.0/33, nope"), {
    message: 'Cannot parse CIDR "10.0.0.0/33": prefix length must be 0-32 for IPv4',
  });
  assert.throws(() => parseCidrList("::1, bogus"), {
    message: 'Cannot parse CIDR "bogus": "bogus" is not a valid IP address',
  });
});

Deno.test("cidrContains matches exactly at prefix boundaries", () => {
  const cases: [string, string, boolean][] = [
    ["0.0.0.0/0", "0.0.0.0", true],
    ["0.0.0.0/0", "255.255.255.255", true],
    ["0.0.0.0/0", "::1", false],
    ["10.0.0.0/8", "10.0.0.0", true],
    ["10.0.0.0/8", "10.255.255.255", true],
    ["10.0.0.0/8", "9.255.255.255", false],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["172.16.0.0/12", "172.31.255.255", true],
    ["172.16.0.0/12", "172.32.0.0", false],
    ["172.16.0.0/12", "172.15.255.255", false],
    ["192.168.1.0/31", "192.168.1.0", true],
    ["192.168.1.0/31", "192.168.1.1", true],
    ["192.168.1.0/31", "192.168.1.2", false],
    ["192.168.1.0/31", "192.168.0.255", false],
    ["127.0.0.1/32", "127.0.0.1", true],
    ["127.0.0.1/32", "127.0.0.2", false],
    ["127.0.0.1/32", "127.0.0.0", false],
    ["127.0.0.1/32", "::ffff:127.0.0.1", true],
    ["127.0.0.1/32", "::1", false],
    ["::/0", "::", true],
    ["::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true],
    ["::/0", "127.0.0.1", false],
    ["::/0", "::ffff:127.0.0.1", false],
    ["::1/128", "::1", true],
    ["::1/128", "::", false],
    ["::1/128", "::2", false],
    ["::1/128", "127.0.0.1", false],
    ["::/127", "::", true],
    ["::/127", "::1", true],
    ["::/127", "::2", false],
    ["2001:db8:1:2::/64", "2001:db8:1:2::", true],
    ["2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff", true],
    ["2001:db8:1:2::/64", "2001:db8:1:3::", false],
    ["2001:db8:1:2::/64", "2001:db8:1:1:ffff:ffff:ffff:ffff", false],
    ["fd00::/8", "fd12:3456::1", true],
    ["fd00::/8", "fc00::1", false],
    ["fe80::/10", "febf:ffff::1", true],
    ["fe80::/10", "fec0::1", false],
    ["::ffff:0:0/96", "1.2.3.4", true],
    ["::ffff:10.0.0.0/104", "10.9.8.7", true],
    ["::ffff:10.0.0.0/104", "11.0.0.0", false],
  ];
  for (const [cidr, address, expected] of cases) {
    assert.equal(
      cidrContains(parseCidr(cidr), mustParse(address)),
      expected,
      `${cidr} contains ${address}`,
    );
  }
});

Deno.test("isTrusted reports whether any block contains the address", () => {
  const blocks = parseCidrList("127.0.0.1/32, ::1/128, 10.0.0.0/8");
  assert.equal(isTrusted(mustParse("127.0.0.1"), blocks), true);
  assert.equal(isTrusted(mustParse("::ffff:127.0.0.1"), blocks), true);
  assert.equal(isTrusted(mustParse("::1"), blocks), true);
  assert.equal(isTrusted(mustParse("10.200.0.1"), blocks), true);
  assert.equal(isTrusted(mustParse("11.0.0.1"), blocks), false);
  assert.equal(isTrusted(mustParse("::2"), blocks), false);
  assert.equal(isTrusted(mustParse("127.0.0.1"), []), false);
});

/**
 * @module The few incubating semantic-convention keys we use, copied here (as the contrib
 * instrumentations do) instead of importing the unstable entry point; plus the old names
 * emitted under OTEL_SEMCONV_STABILITY_OPT_IN=http/dup and database/dup.
 */

/** `db.response.returned_rows` (incubating). */
export const ATTR_DB_RESPONSE_RETURNED_ROWS = "db.response.returned_rows";
/** `db.system.name` value for SQLite (incubating). */
export const DB_SYSTEM_NAME_VALUE_SQLITE = "sqlite";
/** `enduser.id` (incubating): the authenticated username. */
export const ATTR_ENDUSER_ID = "enduser.id";
/** `host.name` (incubating). */
export const ATTR_HOST_NAME = "host.name";
/** `host.arch` (incubating). */
export const ATTR_HOST_ARCH = "host.arch";
/** `os.type` (incubating). */
export const ATTR_OS_TYPE = "os.type";
/** `process.pid` (incubating). */
export const ATTR_PROCESS_PID = "process.pid";
/** `process.runtime.name` (incubating). */
export const ATTR_PROCESS_RUNTIME_NAME = "process.runtime.name";
/** `process.runtime.version` (incubating). */
export const ATTR_PROCESS_RUNTIME_VERSION = "process.runtime.version";

/** Pre-stable HTTP attribute names, sent beside the stable ones with `http/dup`. */
export const OLD_HTTP = Object.freeze({
  method: "http.method",
  url: "http.url",
  statusCode: "http.status_code",
  userAgent: "http.user_agent",
  target: "http.target",
  route: "http.route",
  peerIp: "net.peer.ip",
  /** Old name of `url.scheme`. */
  scheme: "http.scheme",
  /** Old name of `server.port`. */
  hostPort: "net.host.port",
  /** Old name of `network.protocol.version`. */
  flavor: "http.flavor",
});

/** Pre-stable database attribute names, sent beside the stable ones with `database/dup`. */
export const OLD_DB = Object.freeze({
  system: "db.system",
  statement: "db.statement",
  operation: "db.operation",
  table: "db.sql.table",
  /** Old name of `db.namespace`. */
  name: "db.name",
});

/** `db.system.name` value for PostgreSQL (incubating). */
export const DB_SYSTEM_NAME_VALUE_POSTGRESQL = "postgresql";
/** `db.client.connection.count` (incubating): open connections by state. */
export const METRIC_DB_CLIENT_CONNECTION_COUNT = "db.client.connection.count";
/** `db.client.connection.max` (incubating): the most the pool opens. */
export const METRIC_DB_CLIENT_CONNECTION_MAX = "db.client.connection.max";
/** `db.client.connection.state` (incubating): `idle` or `used`. */
export const ATTR_DB_CLIENT_CONNECTION_STATE = "db.client.connection.state";
/** `db.client.connection.pool.name` (incubating). */
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = "db.client.connection.pool.name";

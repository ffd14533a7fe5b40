#!/usr/bin/env node
// Starts the locked @vercel/cosmosdb-server as its own CLI (lib/cli.js) does, with two differences: resource ids are written
// as Cosmos DB writes them (below), and connections are kept open between requests. The CLI answers every request with
// "Connection: close", so each Cosmos DB request a test sent paid a new TCP connection and TLS handshake on both sides:
// about half the Functions suite's time on a two-core runner.
// Usage: node cosmosdb-server.js --host 127.0.0.1 -p 0; prints the CLI's "Ready to accept HTTPS connections at HOST:PORT".
"use strict";
const { createHttpsServer } = require("@vercel/cosmosdb-server");
const ResourceId = require("@vercel/cosmosdb-server/lib/account/resource-id").default;

// Resource ids as Cosmos DB writes them: base64 with '-' for '/'. The package writes plain base64, so the 63rd database of a
// run got the rid "gAA/AA==", and a query on any of its containers asked for ".../colls/gAA/AIAAAAY=/pkranges", a path the
// server does not route: the SDK reported 404 "failed due to stale cache" (ReliabilityRefitTests failed in whichever test
// created that database). Reading takes '-' back to '/' everywhere, not only at the first.
ResourceId.toBase64String = buffer => buffer.toString("base64").replace(/\//g, "-");
ResourceId.fromBase64String = s => Buffer.from(s.replace(/-/g, "/"), "base64");

const args = process.argv.slice(2);
const option = (...names) => {
  const at = args.findIndex(a => names.includes(a));
  return at >= 0 && at + 1 < args.length ? args[at + 1] : undefined;
};
const host = option("--host") ?? "127.0.0.1";
const port = Number.parseInt(option("-p", "--port") ?? "0", 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`cosmosdb-server.js: the port must be 0 to 65535 (got ${option("-p", "--port")}).`);
  process.exit(2);
}

const server = createHttpsServer({ keepAlive: true });
// Far longer than the .NET client's pooled-connection idle timeout (a minute or two), so an idle connection is closed by
// the client first and a request is not sent on a connection the server is closing.
server.keepAliveTimeout = 10 * 60 * 1000;
server.listen(port, host, () => {
  console.log(`Ready to accept HTTPS connections at ${host}:${server.address().port}`);
});

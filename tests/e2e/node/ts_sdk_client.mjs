// The official TypeScript SDK client (@modelcontextprotocol/sdk, StreamableHTTPClientTransport with its OAuth
// provider) driven by tests/e2e/test_node_clients.py over a line protocol:
//   argv: <mcp url> <redirect uri> [<client id> [<client secret>]]   (no client id: dynamic registration)
//   prints  AUTHORIZE <url>        reads  <redirect URL with code>   (the test's scripted browser signs in)
//   prints  RESULT <json>          after each step; reads a line ("next") before the next step
// Steps: connect + tools/list + whoami; spoil the access token so the SDK must refresh, whoami again;
// then (after the test revoked the connection) whoami once more, expected to fail.
import { randomBytes } from "node:crypto";
import readline from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const [mcpUrl, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value;
const say = (kind, value) => process.stdout.write(`${kind} ${typeof value === "string" ? value : JSON.stringify(value)}\n`);

const state = {
  client: clientId ? { client_id: clientId, ...(clientSecret ? { client_secret: clientSecret } : {}) } : undefined,
  tokens: undefined,
  verifier: undefined,
  refreshes: 0,
};
const provider = {
  get redirectUrl() { return redirectUri; },
  get clientMetadata() {
    return {
      client_name: "TypeScript SDK e2e",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: clientSecret ? "client_secret_basic" : "none",
    };
  },
  state: () => randomBytes(16).toString("base64url"),
  clientInformation: () => state.client,
  saveClientInformation: (info) => { state.client = info; },
  tokens: () => state.tokens,
  saveTokens: (tokens) => {
    if (state.tokens) state.refreshes += 1;
    state.tokens = tokens;
  },
  redirectToAuthorization: (url) => { state.authorizationUrl = url.toString(); },
  saveCodeVerifier: (verifier) => { state.verifier = verifier; },
  codeVerifier: () => state.verifier,
};

async function connected() {
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: "bastion-e2e-ts-sdk", version: "1.0.0" });
  try {
    await client.connect(transport);
    return client;
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !state.authorizationUrl) throw error;
  }
  say("AUTHORIZE", state.authorizationUrl);
  const callback = new URL(await nextLine());
  await transport.finishAuth(callback.searchParams.get("code"));
  const signedIn = new Client({ name: "bastion-e2e-ts-sdk", version: "1.0.0" });
  await signedIn.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return signedIn;
}

const whoami = async (client) => (await client.callTool({ name: "whoami", arguments: {} })).structuredContent;

const first = await connected();
const tools = (await first.listTools()).tools.map((tool) => tool.name);
say("RESULT", { step: "signed-in", tools, whoami: await whoami(first), clientId: state.client?.client_id });
await first.close();
await nextLine();

// An access token the server no longer honours: the SDK must answer the 401 by refreshing, then retry.
state.tokens = { ...state.tokens, access_token: "bst_at_not-a-live-token" };
const second = await connected();
say("RESULT", { step: "refreshed", whoami: await whoami(second), refreshes: state.refreshes });
await second.close();
await nextLine();

try {
  const third = new Client({ name: "bastion-e2e-ts-sdk", version: "1.0.0" });
  await third.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  await whoami(third);
  say("RESULT", { step: "after-revocation", refused: false });
} catch (error) {
  say("RESULT", { step: "after-revocation", refused: true, error: String(error).slice(0, 300) });
}
process.exit(0);

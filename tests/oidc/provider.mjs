// A real OpenID provider (the npm package oidc-provider) for the single sign-on
// tests, listening on loopback only. Everything it needs comes in one JSON document in
// the environment variable OIDC_TEST_CONFIG:
//
//   { "port": 54321,
//     "clients": [{ "client_id", "client_secret", "redirect_uris": [...],
//                   "post_logout_redirect_uris": [...] }],
//     "accounts": { "<login>": { "email", "name", "organisation", ... } } }
//
// Its own development login and consent pages stand in for a real login screen: any
// password is accepted for a login named in "accounts" (the claims of that account are
// released), which is what a test needs. It prints "ready <issuer>" once it listens.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const port = Number(config.port || 0);
const issuer = `http://127.0.0.1:${port}`;
const accounts = config.accounts || {};

const provider = new Provider(issuer, {
  clients: (config.clients || []).map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    organisation: ['organisation'],
  },
  // Release the claims in the ID token too (as many providers do), not only from
  // the userinfo endpoint.
  conformIdTokenClaims: false,
  cookies: { keys: ['doorbraak-test-only-cookie-key'] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) {
      return undefined;
    }
    const account = accounts[id];
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
});
// Loopback over plain HTTP: there is no TLS proxy in front of it.
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The test run that started it ends: so does the provider (no orphan on a crash).
process.stdin.on('end', stop);
process.stdin.resume();

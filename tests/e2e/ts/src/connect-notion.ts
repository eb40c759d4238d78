// connect-notion.ts
import { AlloyOAuthFlow } from './oauth-flow.js';
import http from 'http';
import url from 'url';

async function connectNotion() {
  const oauthFlow = new AlloyOAuthFlow();
  const connectorId = 'notion';
  const redirectUri = process.env.OAUTH_REDIRECT_URI || 'http://localhost:3000/oauth/callback';

  try {
    const { oauthUrl, credentialId } = await oauthFlow.initiateOAuthFlow(
      connectorId,
      redirectUri
    );

    console.log(`Open this URL in your browser: ${oauthUrl}`);

    const server = http.createServer(async (req, res) => {
      const parsedUrl = url.parse(req.url || '', true);

      if (parsedUrl.pathname === '/oauth/callback') {
        const code = parsedUrl.query.code as string;
        const error = parsedUrl.query.error as string;

        if (error) {
          console.error(`OAuth Error: ${error}`);
          res.writeHead(400, { 'Content-Type': 'text/html' });
          res.end(`<h1>OAuth Error</h1><p>${error}</p>`);
          server.close();
          return;
        }

        if (code) {
          try {
            const { connectionId } = await oauthFlow.handleOAuthCallback(
              connectorId,
              code,
              credentialId
            );

            console.log(`Connection ID: ${connectionId}`);
            console.log(`Add this to your .env file: CONNECTION_ID=${connectionId}`);

            res.writeHead(200, { 'Content-Type': 'text/html' });
            res.end(`
              <h1>Success!</h1>
              <p>Connection ID: <code>${connectionId}</code></p>
              <p>Add this to your .env file: <code>CONNECTION_ID=${connectionId}</code></p>
            `);

            server.close();
          } catch (callbackError: any) {
            console.error('Callback error:', callbackError.message);
            res.writeHead(500, { 'Content-Type': 'text/html' });
            res.end(`<h1>Error</h1><p>${callbackError.message}</p>`);
            server.close();
          }
        }
      }
    });

    server.listen(3000, () => {
      console.log(`Server listening on http://localhost:3000`);
      console.log(`Waiting for OAuth callback...`);
    });
  } catch (error: any) {
    console.error('Failed to connect:', error.message);
    process.exit(1);
  }
}

connectNotion();

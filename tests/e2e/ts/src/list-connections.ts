// list-connections.ts
import { AlloyOAuthFlow } from './oauth-flow.js';

async function listConnections() {
  try {
    const oauthFlow = new AlloyOAuthFlow();
    const connections = await oauthFlow.listConnections();

    console.log(`Found ${connections.length} connection(s)\n`);

    connections.forEach((conn: any, index: number) => {
      console.log(`Connection ${index + 1}:`);
      console.log(`  ID: ${conn.id || conn.credentialId || conn.connectionId}`);
      console.log(`  Connector: ${conn.connectorId || 'N/A'}`);
      console.log('');
    });

    const notionConnections = connections.filter(
      (conn: any) => conn.connectorId === 'notion'
    );

    if (notionConnections.length > 0) {
      const mostRecent = notionConnections[0];
      const connectionId = mostRecent.id || mostRecent.credentialId;
      console.log(`Recommended: CONNECTION_ID=${connectionId}`);
    }

  } catch (error: any) {
    console.error('Error:', error.message);
    if (error.response?.data) {
      console.error('API Error:', JSON.stringify(error.response.data, null, 2));
    }
    process.exit(1);
  }
}

listConnections();

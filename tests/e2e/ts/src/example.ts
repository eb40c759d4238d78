// example.ts
import { NotionClient } from './notion-client.js';
import { getConfig } from './config.js';

async function completeExample() {
  try {
    const config = getConfig();
    const connectionId = process.env.CONNECTION_ID;

    if (!connectionId) {
      throw new Error('CONNECTION_ID not set in .env file');
    }

    const notionClient = new NotionClient(config, connectionId);

    // 1. Read: Search for pages
    console.log('Searching for pages...');
    const pages = await notionClient.searchPages(
      undefined,
      { value: 'page', property: 'object' }
    );
    console.log(`Found ${pages.length} pages`);

    // 2. Write: Create a new page
    console.log('\nCreating a new page...');
    const newPage = await notionClient.createPage({
      parent: {
        type: 'workspace',
        workspace: true,
      },
      properties: {
        title: {
          type: 'title',
          title: [
            {
              type: 'text',
              text: {
                content: 'Hello from Alloy API!',
              },
            },
          ],
        },
      },
    });
    console.log(`Page created: ${newPage.id}`);
    console.log(`URL: ${newPage.url}`);

    // 3. Update: Modify the page
    console.log('\nUpdating the page...');
    const updatedPage = await notionClient.updatePage(newPage.id, {
      properties: {
        title: {
          type: 'title',
          title: [
            {
              type: 'text',
              text: {
                content: 'Updated: Hello from Alloy API!',
              },
            },
          ],
        },
      },
    });
    console.log(`Page updated: ${updatedPage.id}`);

  } catch (error: any) {
    console.error('Error:', error.message);
    if (error.response?.data) {
      console.error('API Error:', JSON.stringify(error.response.data, null, 2));
    }
    process.exit(1);
  }
}

completeExample();

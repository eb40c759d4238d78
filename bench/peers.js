// Times the npm peers in-process on the benchmark's input (node start-up and warm-up excluded).
// Usage: node peers.js INPUT.json  (INPUT: {"blocks": [...], "markdown": "...", "repeat":
// {"notion-to-md": n, "martian": n}, "warmup": {the same}, "modules": "<node_modules dir>"}); prints
// {"notion-to-md": [[wall ms, cpu ms], ...], "martian": [...]} (a peer that fails to load or
// run gives {"error": "..."} instead of its times). CPU time: process.cpuUsage, all threads.
"use strict";
const fs = require("fs");
const path = require("path");

const input = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const load = (name) => require(path.join(input.modules, name));

// notion-to-md fetches children through a Notion client: this one answers from the blocks
// already in memory (the same nested children the Python side renders), with no I/O.
function fakeClient(blocks) {
  const children = new Map();
  const walk = (list) => {
    for (const block of list) {
      if (block.children) {
        children.set(block.id, block.children);
        walk(block.children);
      }
    }
  };
  walk(blocks);
  return {
    blocks: {
      children: {
        list: async ({ block_id }) => ({ results: children.get(block_id) || [], next_cursor: null }),
      },
    },
  };
}

async function time(name, run) {
  for (let i = 0; i < input.warmup[name]; i++) await run();
  const times = [];
  for (let i = 0; i < input.repeat[name]; i++) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await run();
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    times.push([wall, (used.user + used.system) / 1e3]);
  }
  return times;
}

async function main() {
  const out = {};
  try {
    const { NotionToMarkdown } = load("notion-to-md");
    const n2m = new NotionToMarkdown({ notionClient: fakeClient(input.blocks) });
    let markdown = "";
    out["notion-to-md"] = await time("notion-to-md", async () => {
      const mdBlocks = await n2m.blocksToMarkdown(input.blocks);
      markdown = n2m.toMarkdownString(mdBlocks).parent;
    });
    out["notion-to-md chars"] = markdown.length;
  } catch (error) {
    out["notion-to-md"] = { error: String(error && error.stack ? error.stack : error) };
  }
  try {
    const { markdownToBlocks } = load("@tryfabric/martian");
    let count = 0;
    out["martian"] = await time("martian", async () => {
      count = markdownToBlocks(input.markdown).length;
    });
    out["martian blocks"] = count;
  } catch (error) {
    out["martian"] = { error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(out));
}

main();

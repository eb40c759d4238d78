"""Page bodies as Markdown and back: a lossless round trip for the blocks Markdown can hold.

`blocks_to_markdown(blocks)` renders blocks (as `get_blocks_recursive` returns them: children
nested under a "children" key) and `markdown_to_blocks(md)` parses Markdown with markdown-it-py
back into blocks in the same canonical form (`canonical_blocks` gives that form for any input),
so `markdown_to_blocks(blocks_to_markdown(b)) == canonical_blocks(b)`.

The syntax, beyond CommonMark (the page editor's legend shows it):

- Inline: `**bold**`, `*italic*`, `~~strike~~`, `` `code` ``, `[text](url)`, `$x^2$` (an inline
  equation), `<u>underline</u>`, `<span data-color="red">colored</span>` (any Notion color,
  `*_background` included). Where a Markdown marker would not parse back (a bold run that starts
  with a space, for example) the HTML tags `<b>`, `<i>`, `<s>` and `<code>` are used instead.
- Mentions are links: `[@Ada](mention:user/<id>)`, `[Plan](mention:page/<id>)`,
  `[Tasks](mention:database/<id>)`, `[2024-05-01](mention:date/<start>[/<end>])`. The link text
  is what Notion shows; Notion recomputes it.
- A block's color is a trailing ` {color=red}` on its first line (paragraphs, headings, list
  items, to-dos, quotes, callouts, toggles).
- `- [ ] todo`, `- [x] done`; numbered and bulleted lists nest by indentation.
- Containers are quotes that start with a marker in brackets, their children quoted below:
  `> [!callout 💡] text` (the icon is an emoji or an image URL; `[!callout]` has none),
  `> [!toggle] text`, `> [!toggle] ## Heading` (a toggleable heading), `> [!paragraph] text`
  (a paragraph with indented children), `> [!quote]` (an empty quote with children).
- Code blocks: a fence with the Notion language (```` ```python ````; `text` is plain text); an
  info string may carry `{caption="..."}`. Block equations: `$$` lines around the expression.
- `---` is a divider; a line holding only `<br>` is an empty paragraph.
- Child pages and databases are read-only links: `📄 [Title](https://www.notion.so/<id>)` and
  `🗃 [Title](https://www.notion.so/<id>)`.
- Blocks Markdown cannot hold (images, tables, embeds, bookmarks, columns, synced blocks, files...)
  are protected placeholder lines: `⟦image: Request flow · 1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d⟧`.
  They parse back to a reference to the same block (never a new one); the text before the id is
  only a description. Removing such a line never deletes the block.

Text is escaped so it comes back exactly: Markdown punctuation gets a backslash, whitespace that
Markdown would drop (at the start or end of a line, blank lines inside a text) becomes a numeric
character reference (`&#32;`, `&#10;`). Text longer than 2000 UTF-16 units is split into several
rich text items on the way to blocks; adjacent items with equal annotations are joined first.
Not kept: annotations inside code blocks, rich text in code captions, mentions other than users,
pages, databases and dates (they become their text), `$` inside inline equations.

The code, by concern (this module keeps the public names): markdown_canonical (the canonical
form), markdown_render (blocks -> Markdown), markdown_richtext (rich text -> inline Markdown),
markdown_syntax (markdown-it configured for the dialect), markdown_scan (the fast inline
tokenizer), markdown_inline (inline Markdown -> rich text), markdown_blocks (Markdown -> blocks,
the chunk cache).
"""

from __future__ import annotations

from alloy_tui.notion.markdown_blocks import (
    clear_cache,
    markdown_to_blocks,
    markdown_to_blocks_uncached,
)
from alloy_tui.notion.markdown_canonical import (
    CHILD_OBJECT_TYPES,
    EDITABLE_TYPES,
    MENTION_SCHEME,
    MENTION_TYPES,
    NOTION_URL,
    REFERENCE,
    TEXT_TYPES,
    Block,
    canonical_block,
    canonical_blocks,
    canonical_item,
    canonical_rich_text,
    is_reference,
)
from alloy_tui.notion.markdown_render import (
    blocks_to_markdown,
    escape,
    rich_text_to_markdown,
)
from alloy_tui.notion.markdown_syntax import make_parser

__all__ = [
    "CHILD_OBJECT_TYPES",
    "EDITABLE_TYPES",
    "MENTION_SCHEME",
    "MENTION_TYPES",
    "NOTION_URL",
    "REFERENCE",
    "TEXT_TYPES",
    "Block",
    "blocks_to_markdown",
    "canonical_block",
    "canonical_blocks",
    "canonical_item",
    "canonical_rich_text",
    "clear_cache",
    "escape",
    "is_reference",
    "make_parser",
    "markdown_to_blocks",
    "markdown_to_blocks_uncached",
    "rich_text_to_markdown",
]

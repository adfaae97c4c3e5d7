// The block structure of a Jinja text: `{% if %}...{% endif %}`,
// `{% for %}`, `{% macro name() %}`, `{% call %}`, `{% docs name %}`... with
// the offsets of their opening and closing tags. Pure. The checks use it to
// tell whether a ref() only runs under a condition (dbt may not have rendered
// it when it parsed), the outline lists the macros of a file, and folding
// ranges come from it.
import { jinjaRegions, tokenize } from './jinjaRefs';

export interface JinjaBlock {
  /** `if`, `for`, `macro`, `call`, `test`, `data_test`, `materialization`, `snapshot`, `docs`, `set`, `filter`, ... */
  keyword: string;
  /** The defined name for macro, test, materialization, snapshot, docs and block set (`{% set x %}`); else null. */
  name: string | null;
  /** Offset of the opening tag's `{%`. */
  start: number;
  /** Offset after the opening tag's `%}`. */
  openEnd: number;
  /** Offset of the closing tag's `{%`, or the end of the text when the block is not closed (yet). */
  closeStart: number;
  /** Offset after the closing tag's `%}` (the end of the text when not closed). */
  end: number;
  closed: boolean;
}

/** Statements that open a block closed by `end<keyword>`. */
const BLOCK_KEYWORDS = new Set(['if', 'for', 'macro', 'call', 'filter', 'test', 'data_test', 'materialization', 'snapshot', 'docs', 'block', 'with', 'autoescape', 'set']);

/** Blocks whose body runs only under a condition, or only when called: dbt's parse may not render it. */
const CONDITIONAL_KEYWORDS = new Set(['if', 'for', 'macro', 'call', 'test', 'data_test', 'materialization']);

// `data_test` is dbt's newer spelling of a generic test block.
const NAMED_KEYWORDS = new Set(['macro', 'test', 'data_test', 'materialization', 'snapshot', 'docs', 'set']);

/** Every block of the text, in order of their opening tags. */
export function jinjaBlocks(text: string): JinjaBlock[] {
  const blocks: JinjaBlock[] = [];
  const open: JinjaBlock[] = [];
  for (const region of jinjaRegions(text)) {
    if (region.kind !== 'statement') continue;
    const tokens = tokenize(text, region.start, region.end);
    const first = tokens[0];
    if (!first || first.type !== 'ident') continue;
    const keyword = first.value;
    const start = text.lastIndexOf('{%', region.start);
    const tagEnd = region.closed ? text.indexOf('%}', region.end) + 2 : region.end;
    if (keyword.startsWith('end') && keyword.length > 3) {
      const opened = keyword.slice(3);
      // Close the innermost matching block; unmatched end tags are ignored.
      for (let i = open.length - 1; i >= 0; i--) {
        if (open[i]!.keyword !== opened) continue;
        // Blocks opened inside it and never closed end here too.
        open.splice(i).forEach((b, k) => {
          b.closeStart = start;
          b.end = tagEnd;
          b.closed = k === 0;
        });
        break;
      }
      continue;
    }
    if (!BLOCK_KEYWORDS.has(keyword)) continue;
    // `{% set x = 1 %}` is a statement; only `{% set x %}...{% endset %}` is a block.
    if (keyword === 'set' && tokens.some((t) => t.type === 'punct' && t.value === '=')) continue;
    const second = tokens[1];
    const name = NAMED_KEYWORDS.has(keyword) && second?.type === 'ident' ? second.value : null;
    const block: JinjaBlock = { keyword, name, start, openEnd: tagEnd, closeStart: text.length, end: text.length, closed: false };
    blocks.push(block);
    open.push(block);
  }
  return blocks;
}

/** True when `offset` is in the body of a block that runs only under a condition or when called. */
export function isConditionalAt(blocks: readonly JinjaBlock[], offset: number): boolean {
  return blocks.some((b) => CONDITIONAL_KEYWORDS.has(b.keyword) && offset >= b.openEnd && offset < b.closeStart);
}

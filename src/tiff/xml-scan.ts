/**
 * A very small XML element scanner: enough to pull elements and their attributes out of
 * OME-XML without a dependency. It ignores namespace prefixes, comments, CDATA and processing
 * instructions, and does not build a tree: callers search inside an element's content range.
 */

/** One element found by {@link findElements}. */
export interface XmlElement {
  /** Attributes by local name (namespace prefix dropped), entity-decoded. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Text between the start and end tag (empty for a self-closing element). */
  readonly content: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Decode the five named XML entities and numeric character references. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Remove comments, CDATA sections, processing instructions and the doctype. */
export function stripXmlNoise(xml: string): string {
  return xml
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "")
    .replace(/<\?[\s\S]*?\?>/g, "")
    .replace(/<!DOCTYPE[^>]*>/gi, "");
}

function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = m[1]!;
    const local = name.includes(":") ? name.slice(name.indexOf(":") + 1) : name;
    if (name.startsWith("xmlns")) continue;
    attrs[local] = decodeEntities(m[2] ?? m[3] ?? "");
  }
  return attrs;
}

/**
 * Every element named `localName` (any namespace prefix) in `xml`, in document order. The
 * content of an element ends at the first matching end tag, so elements of the same name must
 * not nest (true of the OME-XML elements read here).
 */
export function findElements(xml: string, localName: string): XmlElement[] {
  const out: XmlElement[] = [];
  const start = new RegExp(
    `<(?:[\\w.-]+:)?${localName}((?:\\s+[^\\s=/>]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`,
    "g",
  );
  const end = new RegExp(`</(?:[\\w.-]+:)?${localName}\\s*>`, "g");
  for (let m = start.exec(xml); m !== null; m = start.exec(xml)) {
    const attrs = parseAttrs(m[1] ?? "");
    const after = m.index + m[0].length;
    if (m[2] === "/") {
      out.push({ attrs, content: "" });
      continue;
    }
    end.lastIndex = after;
    const close = end.exec(xml);
    const stop = close === null ? xml.length : close.index;
    out.push({ attrs, content: xml.slice(after, stop) });
    start.lastIndex = close === null ? xml.length : close.index + close[0].length;
  }
  return out;
}

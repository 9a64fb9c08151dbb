//! IDL doc comments as rustdoc.
//!
//! IDL comments are written for humans reading IDL (often as Javadoc-style HTML), not for
//! rustdoc, so they are made safe while staying readable:
//! - no line is indented four spaces or more outside a list item (that would start an
//!   indented code block, which `cargo test` compiles as a doctest), and tabs become spaces
//!   (clippy's `tabs_in_doc_comments`);
//! - every code fence (```` ``` ```` or `~~~`, whatever its language) becomes a `text` fence,
//!   and an unclosed one is closed;
//! - continuation lines of a list item line up with its text, exactly (clippy's
//!   `doc_lazy_continuation` and `doc_overindented_list_items`), with one space after each
//!   list marker;
//! - outside code spans, `\`, `[`, `]`, `<` and `>` are escaped (links, HTML tags, block
//!   quotes), as are backticks that close no code span and runs of `~` (fences inside a
//!   line), and URLs get angle brackets (rustdoc's `bare_urls`).
//!
//! Everything else (emphasis, headings, tables, entities) keeps its Markdown meaning.

use proc_macro2::TokenStream;
use quote::quote;

/// The width of a tab stop when tabs are expanded.
const TAB_WIDTH: usize = 4;

/// `#[doc = "…"]` attributes for a doc comment.
pub(crate) fn doc_attrs(doc: &str) -> TokenStream {
    let lines = sanitize(doc);
    quote!(#(#[doc = #lines])*)
}

/// Doc attributes for an optional doc comment.
pub(crate) fn opt_doc_attrs(doc: Option<&str>) -> TokenStream {
    doc.map(doc_attrs).unwrap_or_default()
}

fn sanitize(doc: &str) -> Vec<String> {
    let expanded: Vec<String> = doc.lines().map(expand_tabs).collect();
    let Some(first) = expanded.iter().position(|l| !l.trim().is_empty()) else {
        return Vec::new();
    };
    let last = expanded
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .unwrap_or(first);
    let lines = &expanded[first..=last];
    let common_indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent_of(l))
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut fence: Option<Fence> = None;
    // The content column of the list item being continued, if any.
    let mut list_content: Option<usize> = None;
    for line in lines {
        let trimmed = line.trim();
        if let Some(open) = &fence {
            if open.is_closed_by(trimmed) {
                out.push(format!(" {}", open.marker()));
                fence = None;
            } else {
                let text = line.get(common_indent..).unwrap_or(trimmed);
                out.push(format!(" {}", text.trim_end()));
            }
            continue;
        }
        if let Some(open) = Fence::opened_by(trimmed) {
            // Whatever its language, IDL code is no Rust doctest.
            out.push(format!(" {}text", open.marker()));
            fence = Some(open);
            list_content = None;
            continue;
        }
        if trimmed.is_empty() || is_thematic_break(trimmed) {
            out.push(if trimmed.is_empty() {
                String::new()
            } else {
                format!(" {trimmed}")
            });
            list_content = None;
            continue;
        }
        // At most three spaces: four would start an indented code block, which rustdoc
        // would compile as a doctest.
        let mut indent = (indent_of(line).saturating_sub(common_indent)).min(3);
        let (markers, text) = split_list_markers(trimmed);
        if !markers.is_empty() {
            list_content = Some(indent + markers.len());
        } else if let Some(content) = list_content {
            indent = content;
        }
        out.push(format!(
            " {}{markers}{}",
            " ".repeat(indent),
            escape_inline(text)
        ));
    }
    if let Some(open) = fence {
        out.push(format!(" {}", open.marker()));
    }
    out
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `line` with every tab replaced by spaces up to the next tab stop.
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let width = TAB_WIDTH - column % TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', width));
            column += width;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out
}

/// An open code fence: three or more backticks or tildes.
struct Fence {
    ch: char,
    len: usize,
}

impl Fence {
    /// The fence `line` (trimmed) opens, if it is one. A backtick fence's info string may not
    /// hold backticks (```` ```a``` ```` is a code span).
    fn opened_by(line: &str) -> Option<Fence> {
        let ch = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let len = line.len() - line.trim_start_matches(ch).len();
        let info = &line[len..];
        (len >= 3 && !(ch == '`' && info.contains('`'))).then_some(Fence { ch, len })
    }

    /// True when `line` (trimmed) closes this fence: the same character, at least as many.
    fn is_closed_by(&self, line: &str) -> bool {
        line.len() >= self.len && line.chars().all(|c| c == self.ch)
    }

    fn marker(&self) -> String {
        std::iter::repeat_n(self.ch, self.len).collect()
    }
}

/// `***`, `- - -`, `___`: a horizontal rule, not a list item.
fn is_thematic_break(line: &str) -> bool {
    let marks: String = line.chars().filter(|c| *c != ' ').collect();
    marks.len() >= 3
        && ['-', '*', '_']
            .iter()
            .any(|&mark| marks.chars().all(|c| c == mark))
}

/// Splits the list markers a line starts with (`- `, `* `, `+ `, `12. `, `3) `, nested
/// ones such as `- 1. ` too) from its text, with one space after each marker: the text
/// starts at the column the markers end.
fn split_list_markers(line: &str) -> (String, &str) {
    let mut markers = String::new();
    let mut rest = line;
    loop {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let marker_len = if rest.starts_with(['-', '*', '+']) {
            1
        } else if (1..10).contains(&digits) && rest[digits..].starts_with(['.', ')']) {
            digits + 1
        } else {
            break;
        };
        let after = &rest[marker_len..];
        let text = after.trim_start();
        // A marker needs a space after it, and text: a bare `-` is no list item here.
        if !after.starts_with(' ') || text.is_empty() {
            break;
        }
        markers.push_str(&rest[..marker_len]);
        markers.push(' ');
        rest = text;
    }
    (markers, rest)
}

/// Escapes the text of one line for Markdown, leaving code spans as they are.
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            let run = rest.len() - rest.trim_start_matches('`').len();
            match closing_run(&rest[run..], run) {
                Some(end) => {
                    let span = run + end + run;
                    out.push_str(&rest[..span]);
                    rest = &rest[span..];
                }
                None => {
                    out.push_str(&"\\`".repeat(run));
                    rest = &rest[run..];
                }
            }
            continue;
        }
        if let Some(len) = url_len(rest) {
            // An autolink written as `<https://…>` stays one, without the escaped brackets.
            let autolink = out.ends_with("\\<") && rest[len..].starts_with('>');
            if autolink {
                out.truncate(out.len() - 2);
            }
            out.push('<');
            out.push_str(&rest[..len]);
            out.push('>');
            rest = &rest[len + usize::from(autolink)..];
            continue;
        }
        if c == '~' {
            let run = rest.len() - rest.trim_start_matches('~').len();
            let escape = if run >= 3 { "\\~" } else { "~" };
            out.push_str(&escape.repeat(run));
            rest = &rest[run..];
            continue;
        }
        if matches!(c, '\\' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Where, in `text`, the first run of exactly `len` backticks starts (the end of a code span
/// opened by such a run).
fn closing_run(text: &str, len: usize) -> Option<usize> {
    let mut at = 0;
    while let Some(found) = text[at..].find('`') {
        let start = at + found;
        let run = text[start..].len() - text[start..].trim_start_matches('`').len();
        if run == len {
            return Some(start);
        }
        at = start + run;
    }
    None
}

/// The length of the URL `text` starts with, if it starts with one: up to a space, a quote,
/// an angle bracket or a backtick, without trailing punctuation (`see https://x.org/a.` links
/// to `…/a`) or an unbalanced closing bracket.
fn url_len(text: &str) -> Option<usize> {
    let scheme = ["http://", "https://"]
        .into_iter()
        .find(|scheme| text.starts_with(scheme))?;
    let end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    loop {
        let unbalanced = |open: char, close: char| {
            url.ends_with(close) && url.matches(close).count() > url.matches(open).count()
        };
        if url.ends_with(['.', ',', ';', ':', '!', '?'])
            || unbalanced('(', ')')
            || unbalanced('[', ']')
        {
            url = &url[..url.len() - 1];
        } else {
            break;
        }
    }
    (url.len() > scheme.len()).then_some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        let doc =
            "Sums.\n    indented code\nSee [link] and <b> and https://x.org/a.\n```\nlet x;\n```";
        assert_eq!(
            sanitize(doc),
            [
                " Sums.",
                "    indented code",
                " See \\[link\\] and \\<b\\> and <https://x.org/a>.",
                " ```text",
                " let x;",
                " ```",
            ]
        );
    }

    #[test]
    fn list_continuations_line_up() {
        let doc = "Modes:\n- one that\ngoes on\n12. two\n      more";
        assert_eq!(
            sanitize(doc),
            [
                " Modes:",
                " - one that",
                "   goes on",
                " 12. two",
                "     more"
            ]
        );
    }

    #[test]
    fn continuations_line_up_with_the_last_of_several_markers() {
        let doc = "* - nested
continued
-     spaced
more";
        assert_eq!(
            sanitize(doc),
            [" * - nested", "     continued", " - spaced", "   more"]
        );
    }

    #[test]
    fn a_rule_is_no_list_item() {
        assert_eq!(
            sanitize(
                "* * *
        after"
            ),
            [" * * *", "    after"]
        );
    }

    #[test]
    fn every_fence_is_text_and_closed() {
        let doc = "```rust
fn main() {}
```
~~~~
```
~~~~
```c
open";
        assert_eq!(
            sanitize(doc),
            [
                " ```text",
                " fn main() {}",
                " ```",
                " ~~~~text",
                " ```",
                " ~~~~",
                " ```text",
                " open",
                " ```",
            ]
        );
    }

    #[test]
    fn fences_that_do_not_start_a_line_are_text() {
        assert_eq!(
            sanitize("- ```\n1. ~~~ and ~~"),
            [" - \\`\\`\\`", " 1. \\~\\~\\~ and ~~"]
        );
    }

    #[test]
    fn code_spans_are_kept_and_lone_backticks_escaped() {
        assert_eq!(
            sanitize("`a[0] <b> \\` and ``x ` y`` but `open"),
            [" `a[0] <b> \\` and ``x ` y`` but \\`open"]
        );
    }

    #[test]
    fn backslashes_and_tabs_are_text() {
        assert_eq!(
            sanitize("C:\\dir\\ \\[x]\n\tab\tstop"),
            [" C:\\\\dir\\\\ \\\\\\[x\\]", "    ab  stop"]
        );
    }

    #[test]
    fn urls_get_angle_brackets_wherever_they_start() {
        assert_eq!(
            sanitize("\"https://a.org\", (https://b.org/x_(y)). <https://c.org> https://"),
            [" \"<https://a.org>\", (<https://b.org/x_(y)>). <https://c.org> https://"]
        );
    }

    #[test]
    fn blank_edges_and_empty_docs_give_no_lines() {
        assert!(sanitize("  \n\t\n").is_empty());
        assert_eq!(sanitize("\n  \n x\n \n"), [" x"]);
    }
}

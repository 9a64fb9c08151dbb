//! IDL doc comments as rustdoc.
//!
//! IDL comments are written for humans reading IDL, not for rustdoc, so they are made safe:
//! indentation is removed (four leading spaces would start a code block, which `cargo test`
//! would then compile as a doctest), bare code fences become `text` fences, `[`, `]`, `<` and
//! `>` are escaped (they would be links or HTML tags), and bare URLs get angle brackets.

use proc_macro2::TokenStream;
use quote::quote;

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
    let lines: Vec<&str> = doc.trim_matches('\n').lines().collect();
    let common_indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent_of(l))
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut in_fence = false;
    // The content column of the list item being continued, if any.
    let mut list_content: Option<usize> = None;
    for line in lines {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            if !in_fence && info.trim().is_empty() {
                out.push(" ```text".to_string());
            } else {
                out.push(format!(" {trimmed}"));
            }
            in_fence = !in_fence;
            list_content = None;
            continue;
        }
        if in_fence {
            out.push(format!(" {line}"));
            continue;
        }
        if trimmed.is_empty() {
            out.push(String::new());
            list_content = None;
            continue;
        }
        // At most three spaces: four would start an indented code block, which rustdoc
        // would compile as a doctest.
        let mut indent = (indent_of(line).saturating_sub(common_indent)).min(3);
        if let Some(marker) = list_marker_len(trimmed) {
            list_content = Some(indent + marker);
        } else if let Some(content) = list_content {
            // Continuation lines of a list item line up with its text, exactly (clippy's
            // `doc_lazy_continuation` and `doc_overindented_list_items`).
            indent = content;
        }
        out.push(format!(
            " {}{}",
            " ".repeat(indent),
            escape_markdown(trimmed)
        ));
    }
    if in_fence {
        out.push(" ```".to_string());
    }
    out
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The length of a Markdown list marker with its space (`- `, `* `, `12. `), if the line
/// starts with one.
fn list_marker_len(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let rest = &line[digits..];
    (digits > 0 && digits < 10 && (rest.starts_with(". ") || rest.starts_with(") ")))
        .then_some(digits + 2)
}

fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            let (url, rest) = split_url(word);
            out.push('<');
            out.push_str(url);
            out.push('>');
            escape_into(&mut out, rest);
        } else {
            escape_into(&mut out, word);
        }
    }
    out
}

/// Splits trailing punctuation off a URL, so `see https://x.org/a.` links to `…/a`.
fn split_url(word: &str) -> (&str, &str) {
    let end = word
        .trim_end_matches(['.', ',', ';', ':', ')', '>', ']', '"', '\''])
        .len();
    word.split_at(end)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        if matches!(c, '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
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
}

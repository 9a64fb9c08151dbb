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
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in doc.trim_matches('\n').lines() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            if !in_fence && info.trim().is_empty() {
                out.push(" ```text".to_string());
            } else {
                out.push(format!(" {trimmed}"));
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(format!(" {line}"));
        } else if trimmed.is_empty() {
            out.push(String::new());
        } else {
            out.push(format!(" {}", escape_markdown(trimmed)));
        }
    }
    if in_fence {
        out.push(" ```".to_string());
    }
    out
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
                " indented code",
                " See \\[link\\] and \\<b\\> and <https://x.org/a>.",
                " ```text",
                " let x;",
                " ```",
            ]
        );
    }
}

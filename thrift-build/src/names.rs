//! Rust names for IDL names: case conversion, keyword escaping, and de-duplication.
//!
//! IDL names follow whatever convention their authors liked (`fooBar`, `FOO_BAR`,
//! `my_struct`), but generated code must compile without `non_snake_case` or
//! `non_camel_case_types` warnings, so every name goes through one of the case functions
//! here. Conversion can make two IDL names equal (`fooBar` and `foo_bar`), and an IDL name can
//! equal a name we generate (`StoreClient`); a [`Scope`] hands out unique names in a
//! deterministic order.

use std::collections::HashSet;

use proc_macro2::{Ident, Span};

/// Words that must be written as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Words that cannot even be raw identifiers; they get a trailing underscore.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// `fooBar`, `FooBar`, `FOO_BAR` → `foo_bar`; `HTTPServer` → `http_server`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    collapse_underscores(&out)
}

/// `foo_bar`, `fooBar`, `FOO_BAR` → `FooBar`. Names that are already upper camel case keep
/// their spelling (`HTTPServer` stays), except all-caps words (`UUID` → `Uuid`), which clippy's
/// `upper_case_acronyms` rejects.
pub(crate) fn camel_case(name: &str) -> String {
    let trimmed = name.trim_matches('_');
    let all_caps = trimmed.len() > 1
        && trimmed.chars().all(|c| !c.is_ascii_lowercase())
        && trimmed.chars().any(|c| c.is_ascii_uppercase());
    if !trimmed.contains('_') && !all_caps && trimmed.starts_with(|c: char| c.is_ascii_uppercase())
    {
        return trimmed.to_string();
    }
    let mut out = String::with_capacity(name.len());
    for word in trimmed.split('_').filter(|w| !w.is_empty()) {
        let word_caps = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if word_caps {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    if out.is_empty() {
        out.push_str("Unnamed");
    }
    // A digit cannot start a word after conversion of `_1`-style names; keep it valid.
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// A module name for a file name or namespace segment: snake case, with characters that
/// cannot be in an identifier (`compaction-coordinator`) turned into `_`.
pub(crate) fn module_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let snake = snake_case(&cleaned);
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("m{snake}")
    } else {
        snake
    }
}

/// `fooBar`, `foo_bar` → `FOO_BAR`.
pub(crate) fn shouty_case(name: &str) -> String {
    snake_case(name).to_ascii_uppercase()
}

fn collapse_underscores(s: &str) -> String {
    // Keep leading underscores (they mean "unused" to rustc), squeeze the rest: rustc's
    // `non_snake_case` rejects `__` inside a name.
    let leading = s.len() - s.trim_start_matches('_').len();
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..leading]);
    let mut last_underscore = false;
    for c in s[leading..].chars() {
        if c == '_' {
            if !last_underscore {
                out.push(c);
            }
            last_underscore = true;
        } else {
            out.push(c);
            last_underscore = false;
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// Makes `name` usable as an identifier: raw for keywords, a trailing `_` for the few words
/// that cannot be raw.
pub(crate) fn escape(name: &str) -> String {
    if NON_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// The identifier for an (already cased and escaped) name; keywords become raw identifiers.
pub(crate) fn ident(name: &str) -> Ident {
    if RAW_KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Hands out unique names within one Rust namespace (the items of a module, the fields of a
/// struct, the methods of a type). Earlier claims win; a later clash gets `_` appended until it
/// is unique, so the result depends only on the order of the IDL.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken (names the generator itself uses).
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    /// Claims `name` (escaped), or the first free variant of it.
    pub(crate) fn claim(&mut self, name: &str) -> String {
        let mut candidate = escape(name);
        while self.taken.contains(&candidate) {
            candidate.push('_');
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        for (input, snake, camel, shouty) in [
            ("fooBar", "foo_bar", "FooBar", "FOO_BAR"),
            ("foo_bar", "foo_bar", "FooBar", "FOO_BAR"),
            ("FOO_BAR", "foo_bar", "FooBar", "FOO_BAR"),
            ("HTTPServer", "http_server", "HTTPServer", "HTTP_SERVER"),
            ("UUID", "uuid", "Uuid", "UUID"),
            ("my__name", "my_name", "MyName", "MY_NAME"),
            ("_private", "_private", "Private", "_PRIVATE"),
            ("A", "a", "A", "A"),
            ("x2y", "x2y", "X2y", "X2Y"),
            ("field1Name", "field1_name", "Field1Name", "FIELD1_NAME"),
        ] {
            assert_eq!(snake_case(input), snake, "snake {input}");
            assert_eq!(camel_case(input), camel, "camel {input}");
            assert_eq!(shouty_case(input), shouty, "shouty {input}");
        }
    }

    #[test]
    fn module_names() {
        assert_eq!(
            module_name("compaction-coordinator"),
            "compaction_coordinator"
        );
        assert_eq!(module_name("2020.v1"), "m2020_v1");
        assert_eq!(module_name("fooBar"), "foo_bar");
    }

    #[test]
    fn keywords() {
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(escape("self"), "self_");
        assert_eq!(escape("Self"), "Self_");
        assert_eq!(ident("plain").to_string(), "plain");
    }

    #[test]
    fn scope_dedupes_in_order() {
        let mut scope = Scope::with_reserved(&["new"]);
        assert_eq!(scope.claim("new"), "new_");
        assert_eq!(scope.claim("foo_bar"), "foo_bar");
        assert_eq!(scope.claim("foo_bar"), "foo_bar_");
        assert_eq!(scope.claim("self"), "self_");
        assert_eq!(scope.claim("self"), "self__");
    }
}

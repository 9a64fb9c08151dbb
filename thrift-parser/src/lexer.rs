//! The lexer: source text to tokens, following Apache Thrift's `thriftl.ll`.
//!
//! Lexing never fails. A malformed piece of input becomes a diagnostic plus, where it helps the
//! parser recover, a best-effort token; the parser then carries on.
//!
//! Facts taken from the official lexer:
//! - identifiers are `[a-zA-Z_](\.[a-zA-Z_0-9]|[a-zA-Z_0-9])*`: dots are part of an identifier,
//!   which is how `include_name.Type` and `Enum.VALUE` are written;
//! - of several number forms the longest match wins, and `e10` is an identifier, not a double;
//! - `true` and `false` are integer constants 1 and 0;
//! - string literals use `"` or `'`, know the escapes `\r \n \t \" \' \\` and nothing else, and
//!   may not span lines;
//! - `/** … */` is a doc comment, but `/**/`, `/***/` … are plain comments.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// A reserved word of the IDL. Contextual words (`channel`, `fd`) are not here: they lex as
/// identifiers and the parser gives them meaning only where they can have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Keyword {
    Namespace,
    CppInclude,
    CppType,
    XsdAll,
    XsdOptional,
    XsdNillable,
    XsdAttrs,
    Include,
    Void,
    Bool,
    Byte,
    I8,
    I16,
    I32,
    I64,
    Double,
    String,
    Binary,
    Uuid,
    Map,
    List,
    Set,
    Oneway,
    Async,
    Typedef,
    Struct,
    Union,
    Exception,
    Extends,
    Throws,
    Service,
    Enum,
    Const,
    Required,
    Optional,
}

impl Keyword {
    /// Every keyword with its spelling.
    pub const ALL: &'static [(&'static str, Keyword)] = &[
        ("namespace", Keyword::Namespace),
        ("cpp_include", Keyword::CppInclude),
        ("cpp_type", Keyword::CppType),
        ("xsd_all", Keyword::XsdAll),
        ("xsd_optional", Keyword::XsdOptional),
        ("xsd_nillable", Keyword::XsdNillable),
        ("xsd_attrs", Keyword::XsdAttrs),
        ("include", Keyword::Include),
        ("void", Keyword::Void),
        ("bool", Keyword::Bool),
        ("byte", Keyword::Byte),
        ("i8", Keyword::I8),
        ("i16", Keyword::I16),
        ("i32", Keyword::I32),
        ("i64", Keyword::I64),
        ("double", Keyword::Double),
        ("string", Keyword::String),
        ("binary", Keyword::Binary),
        ("uuid", Keyword::Uuid),
        ("map", Keyword::Map),
        ("list", Keyword::List),
        ("set", Keyword::Set),
        ("oneway", Keyword::Oneway),
        ("async", Keyword::Async),
        ("typedef", Keyword::Typedef),
        ("struct", Keyword::Struct),
        ("union", Keyword::Union),
        ("exception", Keyword::Exception),
        ("extends", Keyword::Extends),
        ("throws", Keyword::Throws),
        ("service", Keyword::Service),
        ("enum", Keyword::Enum),
        ("const", Keyword::Const),
        ("required", Keyword::Required),
        ("optional", Keyword::Optional),
    ];

    fn from_str(text: &str) -> Option<Keyword> {
        Keyword::ALL
            .iter()
            .find(|(s, _)| *s == text)
            .map(|&(_, k)| k)
    }

    /// The keyword as written in IDL.
    pub fn as_str(self) -> &'static str {
        Keyword::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|&(s, _)| s)
            .unwrap_or("?")
    }
}

/// What a token is. Identifier text is not copied: slice the source with the token's span.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// An identifier, possibly dotted (`a.b.C`).
    Ident,
    /// A reserved word.
    Keyword(Keyword),
    /// An integer constant, including `true` (1) and `false` (0).
    Int(i64),
    /// A floating-point constant.
    Double(f64),
    /// A string literal with escapes already applied.
    Literal(String),
    /// A `/** … */` comment, cleaned of its stars and indentation.
    Doc(String),
    /// One of `: ; , { } ( ) = < > [ ] * &`.
    Symbol(char),
    /// The end of the file.
    Eof,
}

/// One token with its place in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
    /// True for `true`/`false`, which lex as integers but read better in messages as bools.
    pub is_bool: bool,
}

/// Splits `text` into tokens, appending problems to `diagnostics`. The last token is always
/// [`TokenKind::Eof`].
pub fn lex(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> Vec<Token> {
    let mut lexer = Lexer {
        file,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        diagnostics,
    };
    if text.starts_with('\u{feff}') {
        lexer.pos = 3;
    }
    lexer.run();
    lexer.tokens
}

struct Lexer<'a, 'd> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    diagnostics: &'d mut Diagnostics,
}

impl Lexer<'_, '_> {
    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let byte = self.bytes[start];
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'/' if self.peek(1) == Some(b'/') => self.skip_line(),
                b'#' => self.skip_line(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b':' | b';' | b',' | b'{' | b'}' | b'(' | b')' | b'=' | b'<' | b'>' | b'['
                | b']' | b'*' | b'&' => {
                    self.pos += 1;
                    self.push(TokenKind::Symbol(byte as char), start);
                }
                b'"' | b'\'' => self.literal(),
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.identifier(),
                b'0'..=b'9' | b'+' | b'-' | b'.' => self.number(),
                _ => {
                    let ch = self.text[start..].chars().next().unwrap_or('?');
                    self.pos += ch.len_utf8();
                    self.error(
                        start,
                        format!("unexpected character `{}`", ch.escape_debug()),
                    );
                }
            }
        }
        let end = self.bytes.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::new(self.file, end, end),
            is_bool: false,
        });
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(self.file, start, self.pos),
            is_bool: false,
        });
    }

    fn error(&mut self, start: usize, message: String) {
        let span = Span::new(
            self.file,
            start,
            self.pos.max(start + 1).min(self.bytes.len().max(start)),
        );
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    fn skip_line(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        // `/**/`, `/***/` and so on are plain comments; `/**` followed by anything else is doc.
        let mut stars = 0;
        while self.peek(2 + stars) == Some(b'*') {
            stars += 1;
        }
        let is_silly = stars >= 1 && self.peek(2 + stars) == Some(b'/');
        let is_doc = !is_silly && stars >= 1;
        match self.text[start + 2..].find("*/") {
            Some(offset) => {
                let body_end = start + 2 + offset;
                self.pos = body_end + 2;
                if is_doc {
                    let doc = clean_doc(&self.text[start + 3..body_end]);
                    self.push(TokenKind::Doc(doc), start);
                }
            }
            None => {
                self.pos = self.bytes.len();
                let what = if is_doc { "doc comment" } else { "comment" };
                self.diagnostics.push(Diagnostic::error(
                    Span::new(self.file, start, start + 2),
                    format!("unterminated {what}: no `*/` before the end of the file"),
                ));
            }
        }
    }

    fn identifier(&mut self) {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek(0) {
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' => self.pos += 1,
                Some(b'.') if matches!(self.peek(1), Some(b) if b.is_ascii_alphanumeric() || b == b'_') =>
                {
                    self.pos += 2;
                }
                _ => break,
            }
        }
        let text = &self.text[start..self.pos];
        let kind = match text {
            "true" => TokenKind::Int(1),
            "false" => TokenKind::Int(0),
            _ => Keyword::from_str(text).map_or(TokenKind::Ident, TokenKind::Keyword),
        };
        let is_bool = matches!(text, "true" | "false");
        self.tokens.push(Token {
            kind,
            span: Span::new(self.file, start, self.pos),
            is_bool,
        });
    }

    /// Numbers: the longest of `[+-]?[0-9]+`, `[+-]?0x[0-9a-fA-F]+` and
    /// `[+-]?[0-9]*(\.[0-9]+)?([eE][+-]?[0-9]+)?` wins; an integer wins a tie with a double.
    fn number(&mut self) {
        let start = self.pos;
        let bytes = self.bytes;
        let digits_from = |mut i: usize, hex: bool| {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || (hex && bytes[i].is_ascii_hexdigit()))
            {
                i += 1;
            }
            i
        };
        let sign_len = usize::from(matches!(bytes[start], b'+' | b'-'));
        let body = start + sign_len;
        let int_end = digits_from(body, false);
        let hex_end = if bytes.get(body) == Some(&b'0') && matches!(bytes.get(body + 1), Some(b'x'))
        {
            let end = digits_from(body + 2, true);
            if end > body + 2 { end } else { 0 }
        } else {
            0
        };
        let mut dub_end = int_end;
        if bytes.get(dub_end) == Some(&b'.') {
            let frac_end = digits_from(dub_end + 1, false);
            if frac_end > dub_end + 1 {
                dub_end = frac_end;
            }
        }
        if matches!(bytes.get(dub_end), Some(b'e' | b'E')) {
            let mut exp = dub_end + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let exp_end = digits_from(exp, false);
            if exp_end > exp {
                dub_end = exp_end;
            }
        }
        let text = self.text;
        if hex_end > int_end && hex_end >= dub_end {
            self.pos = hex_end;
            let magnitude = i64::from_str_radix(&text[body + 2..hex_end], 16);
            match magnitude {
                Ok(value) => {
                    let value = if bytes[start] == b'-' { -value } else { value };
                    self.push(TokenKind::Int(value), start);
                }
                Err(_) => self.too_big(start),
            }
        } else if int_end > body && int_end >= dub_end {
            self.pos = int_end;
            match text[start..int_end].parse::<i64>() {
                Ok(value) => self.push(TokenKind::Int(value), start),
                Err(_) => self.too_big(start),
            }
        } else if dub_end > body {
            self.pos = dub_end;
            let value = text[start..dub_end].parse::<f64>().unwrap_or(f64::NAN);
            self.push(TokenKind::Double(value), start);
        } else {
            self.pos = start + 1;
            let ch = bytes[start] as char;
            self.error(start, format!("unexpected character `{ch}`"));
        }
    }

    fn too_big(&mut self, start: usize) {
        let text = &self.text[start..self.pos];
        self.error(
            start,
            format!("integer constant `{text}` does not fit in 64 bits"),
        );
        // Keep a token so the parser does not report a second, confusing error here.
        self.push(TokenKind::Int(0), start);
    }

    fn literal(&mut self) {
        let start = self.pos;
        let quote = self.bytes[start];
        self.pos += 1;
        let mut value = String::new();
        let mut run_start = self.pos;
        loop {
            let Some(byte) = self.peek(0) else {
                self.diagnostics.push(Diagnostic::error(
                    Span::new(self.file, start, start + 1),
                    "unterminated string literal: the file ends before the closing quote",
                ));
                break;
            };
            if byte == quote {
                value.push_str(&self.text[run_start..self.pos]);
                self.pos += 1;
                break;
            }
            match byte {
                b'\n' => {
                    value.push_str(&self.text[run_start..self.pos]);
                    self.diagnostics.push(Diagnostic::error(
                        Span::new(self.file, start, start + 1),
                        "unterminated string literal: a string may not span lines",
                    ));
                    break;
                }
                b'\\' => {
                    value.push_str(&self.text[run_start..self.pos]);
                    let escape_at = self.pos;
                    self.pos += 1;
                    let escaped = match self.peek(0) {
                        Some(b'r') => Some('\r'),
                        Some(b'n') => Some('\n'),
                        Some(b't') => Some('\t'),
                        Some(b'"') => Some('"'),
                        Some(b'\'') => Some('\''),
                        Some(b'\\') => Some('\\'),
                        _ => None,
                    };
                    match escaped {
                        Some(ch) => {
                            value.push(ch);
                            self.pos += 1;
                        }
                        None => {
                            let shown = self.text[self.pos..]
                                .chars()
                                .next()
                                .map_or(String::new(), |c| c.to_string());
                            let end = (self.pos + shown.len()).min(self.bytes.len());
                            self.diagnostics.push(
                                Diagnostic::error(
                                    Span::new(self.file, escape_at, end),
                                    format!(
                                        "unknown escape sequence `\\{}` in string literal",
                                        shown.escape_debug()
                                    ),
                                )
                                .with_note(
                                    r#"Thrift string literals know only \r \n \t \" \' and \\"#,
                                ),
                            );
                            self.pos = end;
                        }
                    }
                    run_start = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        self.push(TokenKind::Literal(value), start);
    }
}

/// Turns the inside of a `/** … */` comment into plain text: drops the leading `*` of each line
/// when every line has one, removes the common indentation and blank edges.
fn clean_doc(body: &str) -> String {
    let mut lines: Vec<&str> = body.lines().map(str::trim_end).collect();
    let starred = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.trim_start().starts_with('*'));
    if starred {
        for line in lines.iter_mut().skip(1) {
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix('*') {
                *line = rest;
            }
        }
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line.get(indent..).unwrap_or_else(|| line.trim_start()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> (Vec<TokenKind>, Vec<String>) {
        let mut diagnostics = Diagnostics::new();
        let tokens = lex(FileId(0), text, &mut diagnostics);
        let messages = diagnostics.iter().map(|d| d.message.clone()).collect();
        (
            tokens
                .into_iter()
                .map(|t| t.kind)
                .filter(|k| *k != TokenKind::Eof)
                .collect(),
            messages,
        )
    }

    #[test]
    fn numbers_follow_longest_match() {
        use TokenKind::*;
        let (tokens, errors) = kinds("1 -2 +3 0x1F -0x10 1.5 .5 1e3 2E-2 e10");
        assert_eq!(
            tokens,
            vec![
                Int(1),
                Int(-2),
                Int(3),
                Int(31),
                Int(-16),
                Double(1.5),
                Double(0.5),
                Double(1000.0),
                Double(0.02),
                Ident
            ]
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn integer_overflow_is_an_error() {
        let (_, errors) = kinds("9876543210987654321 0x8000000000000000");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("does not fit in 64 bits"));
        let (tokens, errors) = kinds("-9223372036854775808 0x7FFFFFFFFFFFFFFF");
        assert_eq!(
            tokens,
            vec![TokenKind::Int(i64::MIN), TokenKind::Int(i64::MAX)]
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn identifiers_keep_their_dots_and_keywords_are_exact() {
        let mut diagnostics = Diagnostics::new();
        let text = "shared.SharedStruct i32 i32x string.x a..b";
        let tokens = lex(FileId(0), text, &mut diagnostics);
        let spans: Vec<&str> = tokens
            .iter()
            .map(|t| &text[t.span.start as usize..t.span.end as usize])
            .collect();
        assert_eq!(
            spans,
            vec![
                "shared.SharedStruct",
                "i32",
                "i32x",
                "string.x",
                "a",
                "b",
                ""
            ]
        );
        assert_eq!(tokens[1].kind, TokenKind::Keyword(Keyword::I32));
        assert_eq!(tokens[2].kind, TokenKind::Ident);
        // Each stray dot of `a..b` is reported.
        assert_eq!(diagnostics.len(), 2);
    }

    #[test]
    fn literals_and_escapes() {
        let (tokens, errors) = kinds(r#""a\"b" 'it\'s' "tab\there" "é""#);
        assert_eq!(
            tokens,
            vec![
                TokenKind::Literal("a\"b".into()),
                TokenKind::Literal("it's".into()),
                TokenKind::Literal("tab\there".into()),
                TokenKind::Literal("é".into()),
            ]
        );
        assert!(errors.is_empty());
        let (_, errors) = kinds(r#""bad \x escape""#);
        assert_eq!(
            errors,
            vec!["unknown escape sequence `\\x` in string literal".to_string()]
        );
        let (_, errors) = kinds("\"no end\nx");
        assert_eq!(
            errors,
            vec!["unterminated string literal: a string may not span lines".to_string()]
        );
    }

    #[test]
    fn comments_and_doc_comments() {
        let (tokens, errors) = kinds("// a\n# b\n/* c */ /**/ /***/ /** Doc\n * line two\n */ x");
        assert_eq!(
            tokens,
            vec![TokenKind::Doc("Doc\nline two".into()), TokenKind::Ident]
        );
        assert!(errors.is_empty());
        let (_, errors) = kinds("/* never closed");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn true_and_false_are_integers() {
        let (tokens, _) = kinds("true false");
        assert_eq!(tokens, vec![TokenKind::Int(1), TokenKind::Int(0)]);
    }
}

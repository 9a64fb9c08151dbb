//! The parser: tokens to a [`Document`], by recursive descent over Apache Thrift's grammar
//! (`thrifty.yy`), one small function per production.
//!
//! Parsing never fails: it returns the tree it could build plus diagnostics. When a production
//! goes wrong, the error is reported once and the parser skips to a point where it can resume
//! (the next field, function, enum value or definition), so one run reports every error. A
//! definition, field or enum value whose name was read before the error is kept with what it
//! had (`Broken`), so the one mistake does not come back as "unknown" at every use of it.
//!
//! The grammar is split by construct: headers here, definitions in `definition.rs`, types and
//! annotations in `ty.rs`, constant values in `value.rs`.

mod definition;
mod ty;
mod value;

use crate::ast::{Document, Header, Ident};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lexer::{self, Keyword, Token, TokenKind};
use crate::source::{FileId, Span};

/// Parses one file's text. Problems go to `diagnostics`; the returned tree holds everything
/// that could be understood.
pub fn parse(file: FileId, text: &str, diagnostics: &mut Diagnostics) -> Document {
    let tokens = lexer::lex(file, text, diagnostics);
    let mut parser = Parser::new(file, text, tokens, diagnostics);
    parser.document()
}

/// Marks a production that failed; its error is already reported.
#[derive(Debug, Clone, Copy)]
struct Failed;

type PResult<T> = Result<T, Failed>;

/// A production that failed, keeping what it read before the error when that is enough to
/// keep (a definition, field or enum value whose name was read): later passes then see the
/// name it declares instead of reporting each use of it as unknown, an echo of the one real
/// error. Its error is already reported; the caller recovers as after any failure. (Boxed:
/// the error path stays small.)
#[derive(Debug)]
struct Broken<T> {
    kept: Option<Box<T>>,
}

impl<T> From<Failed> for Broken<T> {
    fn from(_: Failed) -> Self {
        Broken { kept: None }
    }
}

/// The result of a production that can be kept in part.
type Kept<T> = Result<T, Broken<T>>;

/// `value` if `rest` (the part of its production after the name) succeeded, else `value` kept
/// as it stands.
fn keep<T>(value: T, rest: PResult<()>) -> Kept<T> {
    match rest {
        Ok(()) => Ok(value),
        Err(Failed) => Err(Broken {
            kept: Some(Box::new(value)),
        }),
    }
}

struct Parser<'a, 'd> {
    file: FileId,
    text: &'a str,
    /// The tokens without doc comments.
    tokens: Vec<Token>,
    /// For each token of `tokens`, the doc comment right before it, if any.
    docs: Vec<Option<String>>,
    pos: usize,
    diagnostics: &'d mut Diagnostics,
    /// Set while parsing a function's parameter list, where `optional` means nothing.
    in_arg_list: bool,
    /// How deeply types and constant values are nested right now.
    nesting: usize,
    /// The `byte` warning is given once per file.
    warned_byte: bool,
}

impl<'a, 'd> Parser<'a, 'd> {
    fn new(
        file: FileId,
        text: &'a str,
        all_tokens: Vec<Token>,
        diagnostics: &'d mut Diagnostics,
    ) -> Self {
        let mut tokens = Vec::with_capacity(all_tokens.len());
        let mut docs = Vec::with_capacity(all_tokens.len());
        let mut pending_doc = None;
        for token in all_tokens {
            match token.kind {
                TokenKind::Doc(doc) => pending_doc = Some(doc),
                _ => {
                    tokens.push(token);
                    docs.push(pending_doc.take());
                }
            }
        }
        Parser {
            file,
            text,
            tokens,
            docs,
            pos: 0,
            diagnostics,
            in_arg_list: false,
            nesting: 0,
            warned_byte: false,
        }
    }

    // ----- The cursor -----

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn peek_kind(&self) -> &TokenKind {
        &self.tokens[self.pos].kind
    }

    fn peek_nth(&self, n: usize) -> &TokenKind {
        let index = (self.pos + n).min(self.tokens.len() - 1);
        &self.tokens[index].kind
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].span
    }

    /// The span of the token just consumed.
    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1)].span
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    /// The doc comment written right before the current token.
    fn take_doc(&mut self) -> Option<String> {
        self.docs[self.pos].take()
    }

    fn text_of(&self, span: Span) -> &'a str {
        &self.text[span.start as usize..span.end as usize]
    }

    fn at_symbol(&self, symbol: char) -> bool {
        self.peek().kind == TokenKind::Symbol(symbol)
    }

    fn at_keyword(&self, keyword: Keyword) -> bool {
        self.peek().kind == TokenKind::Keyword(keyword)
    }

    fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    /// True at an identifier spelled `word` (contextual keywords such as `channel`).
    fn at_contextual(&self, word: &str) -> bool {
        self.peek().kind == TokenKind::Ident && self.text_of(self.span()) == word
    }

    fn eat_symbol(&mut self, symbol: char) -> bool {
        let found = self.at_symbol(symbol);
        if found {
            self.bump();
        }
        found
    }

    fn eat_keyword(&mut self, keyword: Keyword) -> bool {
        let found = self.at_keyword(keyword);
        if found {
            self.bump();
        }
        found
    }

    /// Consumes an optional `,` or `;` (Thrift's `CommaOrSemicolonOptional`).
    fn eat_separator(&mut self) {
        if !self.eat_symbol(',') {
            self.eat_symbol(';');
        }
    }

    fn expect_symbol(&mut self, symbol: char, context: &str) -> PResult<Span> {
        if self.at_symbol(symbol) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("`{symbol}` {context}")))
        }
    }

    /// An identifier (not a keyword). `what` names it in the error: "a struct name".
    fn expect_ident(&mut self, what: &str) -> PResult<Ident> {
        if self.peek().kind == TokenKind::Ident {
            let token = self.bump();
            Ok(Ident {
                name: self.text_of(token.span).to_string(),
                span: token.span,
            })
        } else {
            Err(self.expected(what))
        }
    }

    /// An identifier that will name a definition: dots are not allowed in it.
    fn expect_simple_ident(&mut self, what: &str) -> PResult<Ident> {
        let ident = self.expect_ident(what)?;
        self.check_simple(&ident);
        Ok(ident)
    }

    fn check_simple(&mut self, ident: &Ident) {
        if ident.name.contains('.') {
            self.diagnostics.push(
                Diagnostic::error(ident.span, format!("`{}` cannot be used as a name: names may not contain dots", ident.name))
                    .with_note("dotted names refer to things in included files (`file.Name`) or enum values (`Enum.VALUE`)"),
            );
        }
    }

    fn expect_literal(&mut self, what: &str) -> PResult<(String, Span)> {
        match &self.peek().kind {
            TokenKind::Literal(value) => {
                let value = value.clone();
                Ok((value, self.bump().span))
            }
            _ => Err(self.expected(what)),
        }
    }

    fn expect_int(&mut self, what: &str) -> PResult<(i64, Span)> {
        match self.peek().kind {
            TokenKind::Int(value) => Ok((value, self.bump().span)),
            _ => Err(self.expected(what)),
        }
    }

    // ----- Errors and recovery -----

    /// Reports "expected X, found Y" at the current token.
    fn expected(&mut self, what: &str) -> Failed {
        let found = self.describe_current();
        let span = self.span();
        let mut diagnostic = Diagnostic::error(span, format!("expected {what}, found {found}"));
        if let TokenKind::Keyword(keyword) = self.peek().kind {
            if what.contains("name") {
                diagnostic = diagnostic.with_note(format!(
                    "`{}` is a reserved word of the Thrift IDL",
                    keyword.as_str()
                ));
            }
        }
        self.diagnostics.push(diagnostic);
        Failed
    }

    fn describe_current(&self) -> String {
        let token = self.peek();
        match &token.kind {
            TokenKind::Ident => format!("identifier `{}`", self.text_of(token.span)),
            TokenKind::Keyword(keyword) => format!("keyword `{}`", keyword.as_str()),
            TokenKind::Int(_) if token.is_bool => format!("`{}`", self.text_of(token.span)),
            TokenKind::Int(_) => format!("integer `{}`", self.text_of(token.span)),
            TokenKind::Double(_) => format!("number `{}`", self.text_of(token.span)),
            TokenKind::Literal(_) => "a string literal".to_string(),
            TokenKind::Symbol(symbol) => format!("`{symbol}`"),
            TokenKind::Doc(_) => "a doc comment".to_string(),
            TokenKind::Eof => "end of file".to_string(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(span, message));
    }

    /// True at a token that can only start a header or a top-level definition.
    fn at_definition_start(&self) -> bool {
        matches!(
            self.peek().kind,
            TokenKind::Keyword(
                Keyword::Include
                    | Keyword::CppInclude
                    | Keyword::Namespace
                    | Keyword::Const
                    | Keyword::Typedef
                    | Keyword::Enum
                    | Keyword::Struct
                    | Keyword::Union
                    | Keyword::Exception
                    | Keyword::Service
            )
        )
    }

    /// Skips to the next token that starts a top-level definition, outside any braces.
    /// Always consumes at least one token, so recovery cannot loop.
    fn recover_to_definition(&mut self) {
        let mut depth = 0usize;
        let mut first = true;
        while !self.at_eof() {
            if depth == 0 && !first && self.at_definition_start() && self.starts_line() {
                return;
            }
            first = false;
            match self.bump().kind {
                TokenKind::Symbol('{') => depth += 1,
                // A `}` that closes nothing here belongs to a body the error left half-read:
                // skip it and keep looking for the next definition.
                TokenKind::Symbol('}') if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        // The end of the broken definition; resume after its annotations.
                        if self.at_symbol('(') {
                            self.skip_balanced('(', ')');
                        }
                        self.eat_separator();
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// True when the current token is the first on its line (a safe place to resume at a keyword
    /// that could also be a field name).
    fn starts_line(&self) -> bool {
        let start = self.span().start as usize;
        self.text[..start]
            .rsplit('\n')
            .next()
            .is_none_or(|before| before.trim().is_empty())
    }

    /// Skips a balanced `open … close` group starting at the current token.
    fn skip_balanced(&mut self, open: char, close: char) {
        let mut depth = 0usize;
        while !self.at_eof() {
            let token = self.bump();
            if token.kind == TokenKind::Symbol(open) {
                depth += 1;
            } else if token.kind == TokenKind::Symbol(close) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
        }
    }

    /// Skips the rest of a list item (a field, a function, an enum value): up to and including
    /// the next `,`/`;`, or up to the closing `close` of the list, or up to the start of the next
    /// item on a new line.
    fn recover_in_list(&mut self, close: char, at_item_start: fn(&Self) -> bool) {
        let mut depth = 0usize;
        let mut first = true;
        while !self.at_eof() {
            if depth == 0 {
                if self.at_symbol(close) {
                    return;
                }
                if !first
                    && self.starts_line()
                    && (at_item_start(self) || self.at_definition_start())
                {
                    return;
                }
            }
            first = false;
            match self.bump().kind {
                TokenKind::Symbol('{' | '(' | '[' | '<') => depth += 1,
                TokenKind::Symbol('}' | ')' | ']' | '>') => depth = depth.saturating_sub(1),
                TokenKind::Symbol(',' | ';') if depth == 0 => return,
                _ => {}
            }
        }
    }

    // ----- Document and headers -----

    fn document(&mut self) -> Document {
        let mut document = Document {
            file: self.file,
            doc: None,
            headers: Vec::new(),
            definitions: Vec::new(),
        };
        // A doc comment before the first header documents the file itself.
        if matches!(
            self.peek().kind,
            TokenKind::Keyword(Keyword::Include | Keyword::CppInclude | Keyword::Namespace)
        ) {
            document.doc = self.take_doc();
        }
        while !self.at_eof() {
            let start = self.pos;
            let result = match self.peek().kind {
                TokenKind::Keyword(Keyword::Include | Keyword::CppInclude | Keyword::Namespace) => {
                    if let Some(first) = document.definitions.first() {
                        let span = self.span();
                        let first_span = first.span;
                        self.diagnostics.push(
                            Diagnostic::error(span, "headers (`include`, `cpp_include`, `namespace`) must come before all definitions")
                                .with_secondary(first_span, "the first definition is here"),
                        );
                    }
                    self.take_doc();
                    self.header().map(|header| document.headers.push(header))
                }
                _ => match self.definition() {
                    Ok(definition) => {
                        document.definitions.push(definition);
                        Ok(())
                    }
                    Err(Broken { kept }) => {
                        document
                            .definitions
                            .extend(kept.map(|definition| *definition));
                        Err(Failed)
                    }
                },
            };
            // A body left open ends where the next definition starts its line: resume there
            // rather than skip that definition too (the production moved, so no loop).
            let resumable = self.pos > start && self.at_definition_start() && self.starts_line();
            if result.is_err() && !resumable {
                self.recover_to_definition();
            }
        }
        document
    }

    fn header(&mut self) -> PResult<Header> {
        match self.bump().kind {
            TokenKind::Keyword(Keyword::Include) => {
                let (path, span) = self.expect_literal("a file name in quotes after `include`")?;
                Ok(Header::Include { path, span })
            }
            TokenKind::Keyword(Keyword::CppInclude) => {
                let (path, span) =
                    self.expect_literal("a header name in quotes after `cpp_include`")?;
                Ok(Header::CppInclude { path, span })
            }
            _ => self.namespace(),
        }
    }

    /// `namespace scope name (annotations)` or `namespace * name`.
    fn namespace(&mut self) -> PResult<Header> {
        let scope = if self.at_symbol('*') {
            let span = self.bump().span;
            Ident {
                name: "*".to_string(),
                span,
            }
        } else {
            self.expect_ident("a language scope (such as `rs`, `java` or `*`) after `namespace`")?
        };
        let name = self.expect_ident("a namespace name")?;
        let annotations = if scope.name != "*" {
            self.annotations()?
        } else {
            Vec::new()
        };
        if self.at_symbol(';') || self.at_symbol(',') {
            let span = self.span();
            self.error(
                span,
                format!(
                    "unexpected `{}` after a namespace declaration",
                    self.text_of(span)
                ),
            );
            return Err(Failed);
        }
        Ok(Header::Namespace {
            scope,
            name,
            annotations,
        })
    }
}

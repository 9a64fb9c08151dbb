//! Types (`i32`, `list<T>`, `map<K, V>`, named types) and annotation lists.

use super::{Failed, PResult, Parser};
use crate::ast::{Annotation, BaseType, Ident, TypeExpr, TypeExprKind};
use crate::lexer::{Keyword, TokenKind};

/// How deep types and constant values may nest before the parser gives up. Real IDL nests a
/// handful of levels; the limit only keeps hostile input from exhausting the stack.
pub(super) const MAX_NESTING: usize = 200;

impl Parser<'_, '_> {
    /// A type where a field, typedef, constant or return type needs one.
    pub(super) fn field_type(&mut self) -> PResult<TypeExpr> {
        if self.nesting >= MAX_NESTING {
            let span = self.span();
            self.error(
                span,
                format!("types nest more than {MAX_NESTING} levels deep"),
            );
            return Err(Failed);
        }
        self.nesting += 1;
        let result = self.field_type_inner();
        self.nesting -= 1;
        result
    }

    fn field_type_inner(&mut self) -> PResult<TypeExpr> {
        let start = self.span();
        let base = match self.peek_kind() {
            TokenKind::Ident => {
                let token = self.bump();
                let ident = Ident {
                    name: self.text_of(token.span).to_string(),
                    span: token.span,
                };
                // A named type takes no annotations in Apache Thrift's grammar.
                return Ok(TypeExpr {
                    kind: TypeExprKind::Named(ident),
                    annotations: Vec::new(),
                    cpp_type: None,
                    span: token.span,
                });
            }
            TokenKind::Keyword(Keyword::Bool) => Some(BaseType::Bool),
            TokenKind::Keyword(Keyword::I8) => Some(BaseType::I8),
            TokenKind::Keyword(Keyword::Byte) => {
                if !self.warned_byte {
                    self.warned_byte = true;
                    let span = self.span();
                    self.warning(span, "`byte` is a compatibility alias for `i8`: write `i8` to make the sign explicit");
                }
                Some(BaseType::I8)
            }
            TokenKind::Keyword(Keyword::I16) => Some(BaseType::I16),
            TokenKind::Keyword(Keyword::I32) => Some(BaseType::I32),
            TokenKind::Keyword(Keyword::I64) => Some(BaseType::I64),
            TokenKind::Keyword(Keyword::Double) => Some(BaseType::Double),
            TokenKind::Keyword(Keyword::String) => Some(BaseType::String),
            TokenKind::Keyword(Keyword::Binary) => Some(BaseType::Binary),
            TokenKind::Keyword(Keyword::Uuid) => Some(BaseType::Uuid),
            _ => None,
        };
        if let Some(base) = base {
            self.bump();
            let annotations = self.annotations()?;
            let span = start.to(self.prev_span());
            return Ok(TypeExpr {
                kind: TypeExprKind::Base(base),
                annotations,
                cpp_type: None,
                span,
            });
        }
        let container = match self.peek_kind() {
            TokenKind::Keyword(keyword @ (Keyword::Map | Keyword::Set | Keyword::List)) => *keyword,
            _ => return Err(self.expected("a type")),
        };
        self.bump();
        let mut cpp_type = self.cpp_type()?;
        self.expect_symbol('<', &format!("after `{}`", container.as_str()))?;
        let kind = match container {
            Keyword::Map => {
                let key = self.field_type()?;
                self.expect_symbol(',', "between the key and value types of a map")?;
                let value = self.field_type()?;
                TypeExprKind::Map(Box::new(key), Box::new(value))
            }
            Keyword::Set => TypeExprKind::Set(Box::new(self.field_type()?)),
            _ => TypeExprKind::List(Box::new(self.field_type()?)),
        };
        self.expect_symbol('>', "to close the type parameters")?;
        if container == Keyword::List && self.at_keyword(Keyword::CppType) {
            let span = self.span();
            let late = self.cpp_type()?;
            if cpp_type.is_some() {
                self.warning(
                    span,
                    "two `cpp_type` clauses on one list: the second is ignored",
                );
            } else {
                self.warning(
                    span,
                    "`list<T> cpp_type \"…\"` is deprecated: write `list cpp_type \"…\" <T>`",
                );
                cpp_type = late;
            }
        }
        let annotations = self.annotations()?;
        let span = start.to(self.prev_span());
        if let TypeExprKind::List(elem) = &kind {
            if elem.kind == TypeExprKind::Base(BaseType::I8) {
                self.warning(
                    span,
                    "consider `binary` instead of `list<i8>`: it is far more compact and faster",
                );
            }
        }
        Ok(TypeExpr {
            kind,
            annotations,
            cpp_type,
            span,
        })
    }

    fn cpp_type(&mut self) -> PResult<Option<String>> {
        if self.eat_keyword(Keyword::CppType) {
            Ok(Some(
                self.expect_literal("a C++ type name in quotes after `cpp_type`")?
                    .0,
            ))
        } else {
            Ok(None)
        }
    }

    /// `( key [= "value"] [,;] … )`, or nothing.
    pub(super) fn annotations(&mut self) -> PResult<Vec<Annotation>> {
        let mut annotations = Vec::new();
        if !self.eat_symbol('(') {
            return Ok(annotations);
        }
        while !self.at_symbol(')') {
            let key = self.expect_ident("an annotation name")?;
            let value = if self.eat_symbol('=') {
                Some(self.expect_literal("an annotation value in quotes")?.0)
            } else {
                None
            };
            let span = key.span.to(self.prev_span());
            annotations.push(Annotation { key, value, span });
            self.eat_separator();
        }
        self.bump();
        Ok(annotations)
    }
}

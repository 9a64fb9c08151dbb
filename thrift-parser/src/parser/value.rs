//! Constant values: numbers, strings, names, `[lists]` and `{maps}`.

use super::ty::MAX_NESTING;
use super::{Failed, PResult, Parser};
use crate::ast::{ConstExpr, ConstExprKind};
use crate::lexer::TokenKind;

impl Parser<'_, '_> {
    /// A constant value, as in `const` definitions and field defaults.
    pub(super) fn const_value(&mut self) -> PResult<ConstExpr> {
        if self.nesting >= MAX_NESTING {
            let span = self.span();
            self.error(
                span,
                format!("constant values nest more than {MAX_NESTING} levels deep"),
            );
            return Err(Failed);
        }
        self.nesting += 1;
        let result = self.const_value_inner();
        self.nesting -= 1;
        result
    }

    fn const_value_inner(&mut self) -> PResult<ConstExpr> {
        let token = self.peek().clone();
        let kind = match token.kind {
            TokenKind::Int(value) => ConstExprKind::Int(value),
            TokenKind::Double(value) => ConstExprKind::Double(value),
            TokenKind::Literal(value) => ConstExprKind::Literal(value),
            TokenKind::Ident => ConstExprKind::Ident(self.text_of(token.span).to_string()),
            TokenKind::Symbol('[') => return self.const_list(),
            TokenKind::Symbol('{') => return self.const_map(),
            _ => return Err(self.expected("a constant value")),
        };
        self.bump();
        Ok(ConstExpr {
            kind,
            span: token.span,
        })
    }

    fn const_list(&mut self) -> PResult<ConstExpr> {
        let start = self.bump().span;
        let mut items = Vec::new();
        while !self.at_symbol(']') {
            items.push(self.const_value()?);
            self.eat_separator();
        }
        let end = self.bump().span;
        Ok(ConstExpr {
            kind: ConstExprKind::List(items),
            span: start.to(end),
        })
    }

    fn const_map(&mut self) -> PResult<ConstExpr> {
        let start = self.bump().span;
        let mut entries = Vec::new();
        while !self.at_symbol('}') {
            let key = self.const_value()?;
            self.expect_symbol(':', "between a map key and its value")?;
            let value = self.const_value()?;
            entries.push((key, value));
            self.eat_separator();
        }
        let end = self.bump().span;
        Ok(ConstExpr {
            kind: ConstExprKind::Map(entries),
            span: start.to(end),
        })
    }
}

//! Definitions: const, typedef, enum, struct/union/exception, service; and their members
//! (enum values, fields, functions).

use super::{Failed, PResult, Parser};
use crate::ast::{
    Definition, DefinitionKind, EnumValue, Field, Function, Ident, Requiredness, StructKind,
    XsdFlags,
};
use crate::diagnostic::Diagnostic;
use crate::lexer::{Keyword, TokenKind};

impl Parser<'_, '_> {
    pub(super) fn definition(&mut self) -> PResult<Definition> {
        let doc = self.take_doc();
        let start = self.span();
        let TokenKind::Keyword(keyword) = self.peek().kind else {
            return Err(self.unknown_definition());
        };
        let (name, kind, annotations) = match keyword {
            Keyword::Const => self.constant()?,
            Keyword::Typedef => self.typedef()?,
            Keyword::Enum => self.enumeration()?,
            Keyword::Struct => self.structure(StructKind::Struct)?,
            Keyword::Union => self.structure(StructKind::Union)?,
            Keyword::Exception => self.structure(StructKind::Exception)?,
            Keyword::Service => self.service()?,
            _ => return Err(self.unknown_definition()),
        };
        Ok(Definition {
            doc,
            name,
            kind,
            annotations,
            span: start.to(self.prev_span()),
        })
    }

    fn unknown_definition(&mut self) -> Failed {
        if self.peek().kind == TokenKind::Ident {
            let word = self.text_of(self.span());
            let old_namespace = match word {
                "java_package" => Some("java"),
                "py_module" => Some("py"),
                "perl_package" => Some("perl"),
                "smalltalk_category" | "smalltalk_prefix" => Some("st"),
                _ => word.strip_suffix("_namespace"),
            };
            if let Some(scope) = old_namespace {
                let span = self.span();
                self.diagnostics.push(
                    Diagnostic::error(span, format!("unsupported declaration `{word}`"))
                        .with_note(format!("write `namespace {scope} <name>` instead")),
                );
                return Failed;
            }
            if word == "senum" || word == "slist" {
                let span = self.span();
                self.diagnostics.push(
                    Diagnostic::error(span, format!("`{word}` is no longer supported by Thrift"))
                        .with_note("it was removed in Apache Thrift 0.18; use `string` instead"),
                );
                return Failed;
            }
        }
        self.expected("a definition (`const`, `typedef`, `enum`, `struct`, `union`, `exception` or `service`)")
    }

    /// `const Type NAME = value [,;]`
    fn constant(&mut self) -> PResult<(Ident, DefinitionKind, Vec<crate::ast::Annotation>)> {
        self.bump();
        let ty = self.field_type()?;
        let name = self.expect_simple_ident("a constant name")?;
        self.expect_symbol('=', "after the constant name")?;
        let value = self.const_value()?;
        self.eat_separator();
        Ok((name, DefinitionKind::Const { ty, value }, Vec::new()))
    }

    /// `typedef Type Name (annotations) [,;]`
    fn typedef(&mut self) -> PResult<(Ident, DefinitionKind, Vec<crate::ast::Annotation>)> {
        self.bump();
        let ty = self.field_type()?;
        let name = self.expect_simple_ident("a name for the typedef")?;
        let annotations = self.annotations()?;
        self.eat_separator();
        Ok((name, DefinitionKind::Typedef { ty }, annotations))
    }

    /// `enum Name { VALUE [= int] (annotations) [,;] … } (annotations)`
    fn enumeration(&mut self) -> PResult<(Ident, DefinitionKind, Vec<crate::ast::Annotation>)> {
        self.bump();
        let name = self.expect_simple_ident("an enum name")?;
        self.expect_symbol('{', "to open the enum body")?;
        let mut values = Vec::new();
        while !self.at_symbol('}') && !self.at_eof() {
            match self.enum_value() {
                Ok(value) => values.push(value),
                Err(Failed) => self.recover_in_list('}', |p| p.peek().kind == TokenKind::Ident),
            }
        }
        self.expect_symbol('}', "to close the enum body")?;
        let annotations = self.annotations()?;
        Ok((name, DefinitionKind::Enum { values }, annotations))
    }

    fn enum_value(&mut self) -> PResult<EnumValue> {
        let doc = self.take_doc();
        let name = self.expect_simple_ident("an enum value name")?;
        let value = if self.eat_symbol('=') {
            Some(self.expect_int("an integer value")?)
        } else {
            None
        };
        let annotations = self.annotations()?;
        self.eat_separator();
        Ok(EnumValue {
            doc,
            name,
            value,
            annotations,
        })
    }

    /// `struct|union Name [xsd_all] { fields } (annotations)`, `exception Name { fields } (annotations)`
    fn structure(
        &mut self,
        kind: StructKind,
    ) -> PResult<(Ident, DefinitionKind, Vec<crate::ast::Annotation>)> {
        self.bump();
        let what = format!("a name for the {}", kind.as_str());
        let name = self.expect_simple_ident(&what)?;
        let xsd_all = kind != StructKind::Exception && self.eat_keyword(Keyword::XsdAll);
        self.expect_symbol(
            '{',
            &format!("to open the body of {} `{}`", kind.as_str(), name.name),
        )?;
        let fields = self.field_list('}')?;
        self.expect_symbol('}', "to close the body")?;
        let annotations = self.annotations()?;
        Ok((
            name,
            DefinitionKind::Struct {
                kind,
                fields,
                xsd_all,
            },
            annotations,
        ))
    }

    /// Fields up to (not including) `close`, recovering field by field.
    fn field_list(&mut self, close: char) -> PResult<Vec<Field>> {
        let mut fields = Vec::new();
        while !self.at_symbol(close) && !self.at_eof() {
            // No field can start with a definition keyword, so one here means the body was never
            // closed; in a parameter list, neither can the start of the next function.
            if self.at_definition_start()
                || (close == ')' && self.starts_line() && self.at_function_start())
            {
                let what = if close == ')' {
                    "`)` to close the list"
                } else {
                    "`}` to close the body"
                };
                return Err(self.expected(what));
            }
            match self.field() {
                Ok(field) => fields.push(field),
                Err(Failed) => self.recover_in_list(close, |p| {
                    matches!(p.peek_kind(), TokenKind::Int(_))
                        && *p.peek_nth(1) == TokenKind::Symbol(':')
                }),
            }
        }
        Ok(fields)
    }

    /// `[id:] [required|optional] Type [&] name [= value] [xsd_optional] [xsd_nillable]
    /// [xsd_attrs { fields }] (annotations) [,;]`
    fn field(&mut self) -> PResult<Field> {
        let doc = self.take_doc();
        let start = self.span();
        let id = if matches!(self.peek_kind(), TokenKind::Int(_))
            && *self.peek_nth(1) == TokenKind::Symbol(':')
        {
            let id = self.expect_int("a field id")?;
            self.bump();
            Some(id)
        } else {
            None
        };
        let requiredness = if self.at_keyword(Keyword::Required) {
            (Requiredness::Required, Some(self.bump().span))
        } else if self.at_keyword(Keyword::Optional) {
            let span = self.bump().span;
            if self.in_arg_list {
                self.warning(span, "`optional` is ignored in argument lists");
                (Requiredness::Default, Some(span))
            } else {
                (Requiredness::Optional, Some(span))
            }
        } else {
            (Requiredness::Default, None)
        };
        let ty = self.field_type()?;
        let reference = self.eat_symbol('&');
        let name = self.field_name()?;
        let default = if self.eat_symbol('=') {
            Some(self.const_value()?)
        } else {
            None
        };
        let mut xsd = XsdFlags {
            optional: self.eat_keyword(Keyword::XsdOptional),
            ..XsdFlags::default()
        };
        xsd.nillable = self.eat_keyword(Keyword::XsdNillable);
        if self.eat_keyword(Keyword::XsdAttrs) {
            self.expect_symbol('{', "after `xsd_attrs`")?;
            xsd.attrs = self.field_list('}')?;
            self.expect_symbol('}', "to close `xsd_attrs`")?;
        }
        let annotations = self.annotations()?;
        let span = start.to(self.prev_span());
        self.eat_separator();
        Ok(Field {
            doc,
            id,
            requiredness,
            ty,
            reference,
            name,
            default,
            xsd,
            annotations,
            span,
        })
    }

    /// A field name: an identifier, or any keyword except `cpp_type` and the `xsd_*` words
    /// (Apache Thrift 0.18+ accepts `string string`, `1: i32 enum` and so on).
    fn field_name(&mut self) -> PResult<Ident> {
        let token = self.peek().clone();
        match token.kind {
            TokenKind::Ident => {
                self.bump();
                let ident = Ident {
                    name: self.text_of(token.span).to_string(),
                    span: token.span,
                };
                self.check_simple(&ident);
                Ok(ident)
            }
            TokenKind::Keyword(
                Keyword::CppType
                | Keyword::XsdAll
                | Keyword::XsdOptional
                | Keyword::XsdNillable
                | Keyword::XsdAttrs,
            ) => Err(self.expected("a field name")),
            TokenKind::Keyword(keyword) => {
                self.bump();
                Ok(Ident {
                    name: keyword.as_str().to_string(),
                    span: token.span,
                })
            }
            _ => Err(self.expected("a field name")),
        }
    }

    /// `service Name [channel N] [extends Base] { functions } (annotations)`
    fn service(&mut self) -> PResult<(Ident, DefinitionKind, Vec<crate::ast::Annotation>)> {
        self.bump();
        let name = self.expect_simple_ident("a service name")?;
        // Our extension: `channel N` right after the name. `channel` is not a keyword, so it
        // stays usable as a name everywhere else.
        let channel =
            if self.at_contextual("channel") && matches!(self.peek_nth(1), TokenKind::Int(_)) {
                self.bump();
                let (value, span) = self.expect_int("a channel number")?;
                if !(0..=255).contains(&value) {
                    self.error(
                    span,
                    format!(
                        "channel {value} is out of range: a channel id is a number from 0 to 255"
                    ),
                );
                }
                Some((value, span))
            } else {
                None
            };
        let extends = if self.eat_keyword(Keyword::Extends) {
            Some(self.expect_ident("the name of the service to extend")?)
        } else {
            None
        };
        if self.at_contextual("channel") && channel.is_none() && extends.is_some() {
            let span = self.span();
            self.error(span, "`channel N` must come before `extends`");
            return Err(Failed);
        }
        self.expect_symbol('{', &format!("to open the body of service `{}`", name.name))?;
        let mut functions = Vec::new();
        while !self.at_symbol('}') && !self.at_eof() {
            if self.at_definition_start() {
                return Err(self.expected("`}` to close the service body"));
            }
            match self.function() {
                Ok(function) => functions.push(function),
                Err(Failed) => self.recover_in_list('}', Self::at_function_start),
            }
        }
        self.expect_symbol('}', "to close the service body")?;
        let annotations = self.annotations()?;
        Ok((
            name,
            DefinitionKind::Service {
                channel,
                extends,
                functions,
            },
            annotations,
        ))
    }

    /// True at what looks like the start of a function: `oneway`, `async`, `void`, or a simple
    /// return type followed by a name and `(`.
    fn at_function_start(&self) -> bool {
        matches!(
            self.peek_kind(),
            TokenKind::Keyword(Keyword::Oneway | Keyword::Async | Keyword::Void)
        ) || (*self.peek_nth(1) == TokenKind::Ident && *self.peek_nth(2) == TokenKind::Symbol('('))
    }

    /// `[oneway|async] (void|Type) name ( params ) [throws ( fields )] (annotations) [,;]`
    fn function(&mut self) -> PResult<Function> {
        let doc = self.take_doc();
        let start = self.span();
        let oneway = if self.at_keyword(Keyword::Oneway) {
            Some(self.bump().span)
        } else if self.at_keyword(Keyword::Async) {
            let span = self.bump().span;
            self.warning(span, "`async` is deprecated: it is called `oneway` now");
            Some(span)
        } else {
            None
        };
        let returns_span = self.span();
        let returns = if self.eat_keyword(Keyword::Void) {
            None
        } else {
            Some(self.field_type()?)
        };
        let returns_span = returns_span.to(self.prev_span());
        let name = self.expect_simple_ident("a function name")?;
        self.expect_symbol('(', "to open the parameter list")?;
        self.in_arg_list = true;
        let params = self.field_list(')');
        self.in_arg_list = false;
        let params = params?;
        self.expect_symbol(')', "to close the parameter list")?;
        let (throws, throws_span) = if self.at_keyword(Keyword::Throws) {
            let span = self.bump().span;
            self.expect_symbol('(', "after `throws`")?;
            let throws = self.field_list(')')?;
            self.expect_symbol(')', "to close the `throws` list")?;
            (throws, Some(span))
        } else {
            (Vec::new(), None)
        };
        let annotations = self.annotations()?;
        let span = start.to(self.prev_span());
        self.eat_separator();
        Ok(Function {
            doc,
            oneway,
            returns,
            returns_span,
            name,
            params,
            throws,
            throws_span,
            annotations,
            span,
        })
    }
}

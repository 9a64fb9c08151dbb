//! Definitions: const, typedef, enum, struct/union/exception, service; and their members
//! (enum values, fields, functions).

use super::{Broken, Failed, Kept, PResult, Parser, keep};
use crate::ast::{
    Annotation, Definition, DefinitionKind, EnumValue, Field, Function, Ident, Requiredness,
    StructKind, XsdFlags,
};
use crate::diagnostic::Diagnostic;
use crate::lexer::{Keyword, TokenKind};
use crate::source::Span;

/// A definition's name, kind and annotations.
type Parts = (Ident, DefinitionKind, Vec<Annotation>);

/// `name` and `kind` with the annotations `body` (the rest of the definition) read, or kept
/// without annotations when it failed.
fn parts(name: Ident, kind: DefinitionKind, body: PResult<Vec<Annotation>>) -> Kept<Parts> {
    match body {
        Ok(annotations) => Ok((name, kind, annotations)),
        Err(Failed) => keep((name, kind, Vec::new()), Err(Failed)),
    }
}

impl Parser<'_, '_> {
    pub(super) fn definition(&mut self) -> Kept<Definition> {
        let doc = self.take_doc();
        let start = self.span();
        let TokenKind::Keyword(keyword) = self.peek().kind else {
            return Err(self.unknown_definition().into());
        };
        let parsed = match keyword {
            Keyword::Const => self.constant(),
            Keyword::Typedef => self.typedef(),
            Keyword::Enum => self.enumeration(),
            Keyword::Struct => self.structure(StructKind::Struct),
            Keyword::Union => self.structure(StructKind::Union),
            Keyword::Exception => self.structure(StructKind::Exception),
            Keyword::Service => self.service(),
            _ => return Err(self.unknown_definition().into()),
        };
        let ((name, kind, annotations), rest) = match parsed {
            Ok(parts) => (parts, Ok(())),
            Err(Broken { kept: Some(parts) }) => (*parts, Err(Failed)),
            Err(Broken { kept: None }) => return Err(Broken { kept: None }),
        };
        let definition = Definition {
            doc,
            name,
            kind,
            annotations,
            span: start.to(self.prev_span()),
        };
        keep(definition, rest)
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
    fn constant(&mut self) -> Kept<Parts> {
        self.bump();
        let ty = self.field_type()?;
        let name = self.expect_simple_ident("a constant name")?;
        self.expect_symbol('=', "after the constant name")?;
        let value = self.const_value()?;
        self.eat_separator();
        Ok((name, DefinitionKind::Const { ty, value }, Vec::new()))
    }

    /// `typedef Type Name (annotations) [,;]`
    fn typedef(&mut self) -> Kept<Parts> {
        self.bump();
        let ty = self.field_type()?;
        let name = self.expect_simple_ident("a name for the typedef")?;
        let annotations = self.annotations();
        if annotations.is_ok() {
            self.eat_separator();
        }
        parts(name, DefinitionKind::Typedef { ty }, annotations)
    }

    /// `enum Name { VALUE [= int] (annotations) [,;] … } (annotations)`
    fn enumeration(&mut self) -> Kept<Parts> {
        self.bump();
        let name = self.expect_simple_ident("an enum name")?;
        let mut values = Vec::new();
        let body = self.enum_body(&mut values);
        parts(name, DefinitionKind::Enum { values }, body)
    }

    /// `{ values } (annotations)` of an enum, the values read into `values` even when a later
    /// part fails.
    fn enum_body(&mut self, values: &mut Vec<EnumValue>) -> PResult<Vec<Annotation>> {
        self.expect_symbol('{', "to open the enum body")?;
        while !self.at_symbol('}') && !self.at_eof() {
            match self.enum_value() {
                Ok(value) => values.push(value),
                Err(Broken { kept }) => {
                    values.extend(kept.map(|value| *value));
                    self.recover_in_list('}', |p| p.peek().kind == TokenKind::Ident);
                }
            }
        }
        self.expect_symbol('}', "to close the enum body")?;
        self.annotations()
    }

    fn enum_value(&mut self) -> Kept<EnumValue> {
        let doc = self.take_doc();
        let name = self.expect_simple_ident("an enum value name")?;
        let mut value = EnumValue {
            doc,
            name,
            value: None,
            annotations: Vec::new(),
        };
        let rest = self.enum_value_rest(&mut value);
        keep(value, rest)
    }

    /// `[= int] (annotations) [,;]` after an enum value's name.
    fn enum_value_rest(&mut self, value: &mut EnumValue) -> PResult<()> {
        if self.eat_symbol('=') {
            value.value = Some(self.expect_int("an integer value")?);
        }
        value.annotations = self.annotations()?;
        self.eat_separator();
        Ok(())
    }

    /// `struct|union Name [xsd_all] { fields } (annotations)`, `exception Name { fields } (annotations)`
    fn structure(&mut self, kind: StructKind) -> Kept<Parts> {
        self.bump();
        let what = format!("a name for the {}", kind.as_str());
        let name = self.expect_simple_ident(&what)?;
        let xsd_all = kind != StructKind::Exception && self.eat_keyword(Keyword::XsdAll);
        let mut fields = Vec::new();
        let body = self.struct_body(kind, &name, &mut fields);
        let definition = DefinitionKind::Struct {
            kind,
            fields,
            xsd_all,
        };
        parts(name, definition, body)
    }

    /// `{ fields } (annotations)` of a struct-like definition, the fields read into `fields`
    /// even when a later part fails.
    fn struct_body(
        &mut self,
        kind: StructKind,
        name: &Ident,
        fields: &mut Vec<Field>,
    ) -> PResult<Vec<Annotation>> {
        self.expect_symbol(
            '{',
            &format!("to open the body of {} `{}`", kind.as_str(), name.name),
        )?;
        self.field_list('}', fields)?;
        self.expect_symbol('}', "to close the body")?;
        self.annotations()
    }

    /// Fields up to (not including) `close` into `fields`, recovering field by field (a field
    /// whose name was read is kept).
    fn field_list(&mut self, close: char, fields: &mut Vec<Field>) -> PResult<()> {
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
                Err(Broken { kept }) => {
                    fields.extend(kept.map(|field| *field));
                    self.recover_in_list(close, |p| {
                        matches!(p.peek_kind(), TokenKind::Int(_))
                            && *p.peek_nth(1) == TokenKind::Symbol(':')
                    });
                }
            }
        }
        Ok(())
    }

    /// `[id:] [required|optional] Type [&] name [= value] [xsd_optional] [xsd_nillable]
    /// [xsd_attrs { fields }] (annotations) [,;]`
    fn field(&mut self) -> Kept<Field> {
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
        let mut field = Field {
            doc,
            id,
            requiredness,
            ty,
            reference,
            name,
            default: None,
            xsd: XsdFlags::default(),
            annotations: Vec::new(),
            span: start.to(self.prev_span()),
        };
        let rest = self.field_rest(&mut field);
        field.span = start.to(self.prev_span());
        if rest.is_ok() {
            self.eat_separator();
        }
        keep(field, rest)
    }

    /// `[= value] [xsd_optional] [xsd_nillable] [xsd_attrs { fields }] (annotations)` after
    /// a field's name. A field whose default is broken is kept without one.
    fn field_rest(&mut self, field: &mut Field) -> PResult<()> {
        if self.eat_symbol('=') {
            field.default = Some(self.const_value()?);
        }
        field.xsd.optional = self.eat_keyword(Keyword::XsdOptional);
        field.xsd.nillable = self.eat_keyword(Keyword::XsdNillable);
        if self.eat_keyword(Keyword::XsdAttrs) {
            self.expect_symbol('{', "after `xsd_attrs`")?;
            self.field_list('}', &mut field.xsd.attrs)?;
            self.expect_symbol('}', "to close `xsd_attrs`")?;
        }
        field.annotations = self.annotations()?;
        Ok(())
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
    fn service(&mut self) -> Kept<Parts> {
        self.bump();
        let name = self.expect_simple_ident("a service name")?;
        let channel = self.channel();
        let extends = if self.eat_keyword(Keyword::Extends) {
            self.expect_ident("the name of the service to extend")
                .map(Some)
        } else {
            Ok(None)
        };
        let mut functions = Vec::new();
        let body = match &extends {
            Ok(extends) => {
                let channel_may_follow = channel.is_none() && extends.is_some();
                self.service_body(&name, channel_may_follow, &mut functions)
            }
            Err(Failed) => Err(Failed),
        };
        let definition = DefinitionKind::Service {
            channel,
            extends: extends.unwrap_or(None),
            functions,
        };
        parts(name, definition, body)
    }

    /// Our extension: `channel N` right after a service's name. `channel` is not a keyword,
    /// so it stays usable as a name everywhere else.
    fn channel(&mut self) -> Option<(i64, Span)> {
        let TokenKind::Int(value) = *self.peek_nth(1) else {
            return None;
        };
        if !self.at_contextual("channel") {
            return None;
        }
        self.bump();
        let span = self.bump().span;
        if !(0..=255).contains(&value) {
            self.error(
                span,
                format!("channel {value} is out of range: a channel id is a number from 0 to 255"),
            );
        }
        Some((value, span))
    }

    /// `{ functions } (annotations)` of a service, the functions read into `functions` even
    /// when a later part fails. `channel_may_follow` is set after an `extends` with no channel
    /// before it, where `channel N` is misplaced.
    fn service_body(
        &mut self,
        name: &Ident,
        channel_may_follow: bool,
        functions: &mut Vec<Function>,
    ) -> PResult<Vec<Annotation>> {
        if channel_may_follow && self.at_contextual("channel") {
            let span = self.span();
            self.error(span, "`channel N` must come before `extends`");
            return Err(Failed);
        }
        self.expect_symbol('{', &format!("to open the body of service `{}`", name.name))?;
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
        self.annotations()
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
        let mut params = Vec::new();
        let listed = self.field_list(')', &mut params);
        self.in_arg_list = false;
        listed?;
        self.expect_symbol(')', "to close the parameter list")?;
        let mut throws = Vec::new();
        let throws_span = if self.at_keyword(Keyword::Throws) {
            let span = self.bump().span;
            self.expect_symbol('(', "after `throws`")?;
            self.field_list(')', &mut throws)?;
            self.expect_symbol(')', "to close the `throws` list")?;
            Some(span)
        } else {
            None
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

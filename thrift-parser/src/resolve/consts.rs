//! Constant evaluation: `const` values and field defaults, checked against their types.
//!
//! The rules follow Apache Thrift's `validate_const_rec` and `resolve_const_value`, with range
//! checks added (a value that does not fit its integer type is an error here, not a silent
//! truncation):
//! - integers (`true`/`false` are 1/0) for `bool` (0 or 1 only) and the integer types; integers or
//!   doubles for `double`; string literals for `string`, `binary` and `uuid`;
//! - an enum takes the qualified name of one of its values (`Color.RED`, `file.Color.RED`; like
//!   Apache Thrift, only the part after the last dot must name a value, but a bare `RED` is
//!   rejected as unqualified), or the number of a declared value;
//! - a struct, union or exception takes a map literal keyed by field names;
//! - lists and sets take `[…]`, maps take `{…}`; Apache also accepts an empty literal of the other
//!   bracket kind (its own test IDL writes `{}` for an empty set), and so do we;
//! - a name of another constant stands for that constant's value. Constants may refer to later
//!   ones; a cycle is an error.

use super::ir::{BaseType, ConstValue, DefId, DefKind, Type};
use super::scope::ConstSymbol;
use super::{FieldSite, Resolver};
use crate::ast::{ConstExpr, ConstExprKind, DefinitionKind};
use crate::source::FileId;

/// How long a chain of constants defined by other constants may be.
const MAX_REFERENCE_DEPTH: usize = 200;

/// The evaluation state of each `const`, to evaluate each once and catch cycles.
#[derive(Clone)]
enum State {
    Pending,
    InProgress,
    Done(Option<ConstValue>),
}

impl Resolver<'_, '_> {
    pub(super) fn evaluate_constants(&mut self) {
        let mut states = vec![State::Pending; self.ast_defs.len()];
        for index in 0..self.ast_defs.len() {
            if matches!(self.ast_defs[index].1.kind, DefinitionKind::Const { .. }) {
                self.evaluate_const(DefId(index as u32), &mut states);
            }
        }
        let defaults = std::mem::take(&mut self.defaults);
        for (site, expr) in defaults {
            let (def, ty, context) = match site {
                FieldSite::Struct { def, field } => match &self.defs[def.index()].kind {
                    DefKind::Struct(s) => (
                        def,
                        s.fields[field].ty.clone(),
                        s.fields[field].name.clone(),
                    ),
                    _ => continue,
                },
                FieldSite::Param {
                    def,
                    function,
                    field,
                }
                | FieldSite::Throws {
                    def,
                    function,
                    field,
                } => match &self.defs[def.index()].kind {
                    DefKind::Service(s) => {
                        let function = &s.functions[function];
                        let list = if matches!(site, FieldSite::Param { .. }) {
                            &function.params
                        } else {
                            &function.throws
                        };
                        (def, list[field].ty.clone(), list[field].name.clone())
                    }
                    _ => continue,
                },
            };
            let file = self.defs[def.index()].file;
            let value = self.evaluate(file, expr, &ty, &context, &mut states);
            if let Some(value) = value {
                self.set_default(site, value);
            }
        }
    }

    fn set_default(&mut self, site: FieldSite, value: ConstValue) {
        match site {
            FieldSite::Struct { def, field } => {
                if let DefKind::Struct(s) = &mut self.defs[def.index()].kind {
                    s.fields[field].default = Some(value);
                }
            }
            FieldSite::Param {
                def,
                function,
                field,
            } => {
                if let DefKind::Service(s) = &mut self.defs[def.index()].kind {
                    s.functions[function].params[field].default = Some(value);
                }
            }
            FieldSite::Throws {
                def,
                function,
                field,
            } => {
                if let DefKind::Service(s) = &mut self.defs[def.index()].kind {
                    s.functions[function].throws[field].default = Some(value);
                }
            }
        }
    }

    /// Evaluates `const` definition `id` (once), returning its value when valid.
    fn evaluate_const(&mut self, id: DefId, states: &mut Vec<State>) -> Option<ConstValue> {
        match &states[id.index()] {
            State::Done(value) => return value.clone(),
            State::InProgress => {
                let span = self.defs[id.index()].span;
                let name = self.defs[id.index()].name.clone();
                self.error(
                    span,
                    format!("constant `{name}` is defined in terms of itself"),
                );
                states[id.index()] = State::Done(None);
                return None;
            }
            State::Pending => {}
        }
        // Each reference recurses; a hostile chain of thousands must not exhaust the stack.
        if self.const_depth >= MAX_REFERENCE_DEPTH {
            let span = self.defs[id.index()].span;
            self.error(
                span,
                format!(
                    "constants refer to each other more than {MAX_REFERENCE_DEPTH} levels deep"
                ),
            );
            states[id.index()] = State::Done(None);
            return None;
        }
        states[id.index()] = State::InProgress;
        let (file, definition) = self.ast_defs[id.index()];
        let DefinitionKind::Const { value: expr, .. } = &definition.kind else {
            return None;
        };
        let ty = match &self.defs[id.index()].kind {
            DefKind::Const(c) => c.ty.clone(),
            _ => return None,
        };
        self.const_depth += 1;
        let value = self.evaluate(file, expr, &ty, &definition.name.name, states);
        self.const_depth -= 1;
        if let (Some(value), DefKind::Const(c)) = (&value, &mut self.defs[id.index()].kind) {
            c.value = value.clone();
        }
        // A cycle found below already finished this constant as invalid; keep that.
        if matches!(states[id.index()], State::InProgress) {
            states[id.index()] = State::Done(value.clone());
        }
        value
    }

    /// Checks `expr` against `ty` in the scope of `file`. `context` names what is being
    /// evaluated for messages (`MAX_SIZE`, `User.name`).
    fn evaluate(
        &mut self,
        file: FileId,
        expr: &ConstExpr,
        ty: &Type,
        context: &str,
        states: &mut Vec<State>,
    ) -> Option<ConstValue> {
        let true_type = self.true_type_of(ty)?;
        // `fd` has no values; pass 4 (`check_fds`) reports the constant or default.
        if true_type == Type::Base(BaseType::Fd) {
            return None;
        }
        // A name stands for another constant's value, unless the target is an enum (whose
        // values are names themselves) or a struct (which Apache Thrift does not allow).
        if let ConstExprKind::Ident(name) = &expr.kind {
            if !matches!(&true_type, Type::Def(def) if matches!(self.defs[def.index()].kind, DefKind::Enum(_) | DefKind::Struct(_)))
            {
                return self.evaluate_reference(file, expr, name, &true_type, context, states);
            }
        }
        match &true_type {
            Type::Base(base) => self.evaluate_base(expr, *base, context),
            Type::Def(def) => match &self.defs[def.index()].kind {
                DefKind::Enum(_) => self.evaluate_enum(file, expr, *def, context, states),
                DefKind::Struct(_) => self.evaluate_struct(file, expr, *def, context, states),
                _ => None,
            },
            Type::List(elem) | Type::Set(elem) => {
                let items = match &expr.kind {
                    ConstExprKind::List(items) => items,
                    // Apache Thrift's own test IDL writes `{}` for an empty set.
                    ConstExprKind::Map(entries) if entries.is_empty() => {
                        return Some(ConstValue::List(Vec::new()));
                    }
                    _ => return self.mismatch(expr, context, "a list `[…]`"),
                };
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.evaluate(file, item, elem, &format!("{context}[]"), states));
                }
                values
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(ConstValue::List)
            }
            Type::Map(key_type, value_type) => {
                let entries = match &expr.kind {
                    ConstExprKind::Map(entries) => entries,
                    ConstExprKind::List(items) if items.is_empty() => {
                        return Some(ConstValue::Map(Vec::new()));
                    }
                    _ => return self.mismatch(expr, context, "a map `{…}`"),
                };
                let mut values = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key =
                        self.evaluate(file, key, key_type, &format!("{context}<key>"), states);
                    let value = self.evaluate(
                        file,
                        value,
                        value_type,
                        &format!("{context}<value>"),
                        states,
                    );
                    values.push(key.zip(value));
                }
                values
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(ConstValue::Map)
            }
            Type::Error => None,
        }
    }

    /// `ty` with typedefs looked through; `None` for an unresolved type or a typedef cycle.
    pub(super) fn true_type_of(&self, ty: &Type) -> Option<Type> {
        let mut ty = ty.clone();
        for _ in 0..=self.defs.len() {
            match &ty {
                Type::Def(def) => match &self.defs[def.index()].kind {
                    DefKind::Typedef(typedef) => ty = typedef.target.clone(),
                    _ => return Some(ty),
                },
                Type::Error => return None,
                _ => return Some(ty),
            }
        }
        None
    }

    fn mismatch(&mut self, expr: &ConstExpr, context: &str, expected: &str) -> Option<ConstValue> {
        let found = describe(expr);
        self.error(
            expr.span,
            format!("`{context}` needs {expected}, found {found}"),
        );
        None
    }

    fn evaluate_base(
        &mut self,
        expr: &ConstExpr,
        base: BaseType,
        context: &str,
    ) -> Option<ConstValue> {
        let type_name = base.as_str();
        match (&expr.kind, base) {
            (ConstExprKind::Int(value), BaseType::Bool) => {
                match value {
                    0 | 1 => Some(ConstValue::Bool(*value == 1)),
                    _ => {
                        self.error(expr.span, format!("`{context}` is a bool, but {value} is neither 0 (false) nor 1 (true)"));
                        None
                    }
                }
            }
            (
                ConstExprKind::Int(value),
                BaseType::I8 | BaseType::I16 | BaseType::I32 | BaseType::I64,
            ) => {
                let fits = match base {
                    BaseType::I8 => i8::try_from(*value).is_ok(),
                    BaseType::I16 => i16::try_from(*value).is_ok(),
                    BaseType::I32 => i32::try_from(*value).is_ok(),
                    _ => true,
                };
                if fits {
                    Some(ConstValue::Int(*value))
                } else {
                    self.error(
                        expr.span,
                        format!("{value} does not fit in `{context}`, which is an {type_name}"),
                    );
                    None
                }
            }
            (ConstExprKind::Int(value), BaseType::Double) => {
                Some(ConstValue::Double(*value as f64))
            }
            (ConstExprKind::Double(value), BaseType::Double) => Some(ConstValue::Double(*value)),
            (ConstExprKind::Literal(text), BaseType::String | BaseType::Binary) => {
                Some(ConstValue::String(text.clone()))
            }
            (ConstExprKind::Literal(text), BaseType::Uuid) => match parse_uuid(text) {
                Some(bytes) => Some(ConstValue::Uuid(bytes)),
                None => {
                    self.error(
                        expr.span,
                        format!("`{text}` is not a uuid (expected 8-4-4-4-12 hex digits)"),
                    );
                    None
                }
            },
            _ => {
                let expected = match base {
                    BaseType::Bool => "a bool (`true`, `false`, 0 or 1)",
                    BaseType::Double => "a number",
                    BaseType::String | BaseType::Binary | BaseType::Uuid => "a string literal",
                    _ => "an integer",
                };
                self.mismatch(expr, context, expected)
            }
        }
    }

    /// A name used as a value of a non-enum, non-struct type: another constant, or an enum value
    /// used as an integer.
    fn evaluate_reference(
        &mut self,
        file: FileId,
        expr: &ConstExpr,
        name: &str,
        true_type: &Type,
        context: &str,
        states: &mut Vec<State>,
    ) -> Option<ConstValue> {
        let value = match self.scopes[file.index()].consts.get(name).copied() {
            Some(ConstSymbol::Const(id)) => self.evaluate_const(id, states)?,
            Some(ConstSymbol::EnumValue(def, index)) => {
                let DefKind::Enum(e) = &self.defs[def.index()].kind else {
                    return None;
                };
                ConstValue::Int(i64::from(e.values[index].value))
            }
            None => {
                if !self.scopes[file.index()].is_from_missing_include(name) {
                    self.error(expr.span, format!("unknown constant `{name}`"));
                }
                return None;
            }
        };
        // Re-check the referenced value against this type: `const i8 SMALL = BIG` must fit.
        let as_expr = |kind| ConstExpr {
            kind,
            span: expr.span,
        };
        match (value, true_type) {
            (ConstValue::Enum { value, .. }, Type::Base(base)) => self.evaluate_base(
                &as_expr(ConstExprKind::Int(i64::from(value))),
                *base,
                context,
            ),
            (ConstValue::Int(value), Type::Base(base)) => {
                self.evaluate_base(&as_expr(ConstExprKind::Int(value)), *base, context)
            }
            (ConstValue::Bool(value), Type::Base(base)) => self.evaluate_base(
                &as_expr(ConstExprKind::Int(i64::from(value))),
                *base,
                context,
            ),
            (ConstValue::Double(value), Type::Base(BaseType::Double)) => {
                Some(ConstValue::Double(value))
            }
            (ConstValue::String(text), Type::Base(base)) => {
                self.evaluate_base(&as_expr(ConstExprKind::Literal(text)), *base, context)
            }
            (value @ ConstValue::Uuid(_), Type::Base(BaseType::Uuid)) => Some(value),
            (value @ ConstValue::List(_), Type::List(_) | Type::Set(_)) => Some(value),
            (value @ ConstValue::Map(_), Type::Map(..)) => Some(value),
            _ => {
                self.error(
                    expr.span,
                    format!("constant `{name}` has a different type than `{context}`"),
                );
                None
            }
        }
    }

    fn evaluate_enum(
        &mut self,
        file: FileId,
        expr: &ConstExpr,
        def: DefId,
        context: &str,
        states: &mut Vec<State>,
    ) -> Option<ConstValue> {
        let enum_name = self.defs[def.index()].name.clone();
        let DefKind::Enum(e) = &self.defs[def.index()].kind else {
            return None;
        };
        match &expr.kind {
            ConstExprKind::Ident(name) => {
                match self.scopes[file.index()].consts.get(name).copied() {
                    Some(ConstSymbol::EnumValue(found, index)) if found == def => {
                        return Some(ConstValue::Enum {
                            def,
                            value: e.values[index].value,
                        });
                    }
                    Some(ConstSymbol::Const(id)) => {
                        let value = self.evaluate_const(id, states)?;
                        if matches!(value, ConstValue::Enum { def: found, .. } if found == def) {
                            return Some(value);
                        }
                    }
                    _ => {}
                }
                // Like Apache Thrift, fall back to the part after the last dot: real IDL writes
                // `RED`, `Color.RED` without the file prefix, or `file.RED` without the enum.
                let DefKind::Enum(e) = &self.defs[def.index()].kind else {
                    return None;
                };
                let last = name.rsplit('.').next().unwrap_or(name);
                if !name.contains('.') && e.values.iter().any(|v| v.name == *name) {
                    self.error(
                        expr.span,
                        format!("enum value `{name}` must be qualified: write `{enum_name}.{name}` (for `{context}`)"),
                    );
                    return None;
                }
                if let Some(value) = e.values.iter().find(|v| v.name == last) {
                    return Some(ConstValue::Enum {
                        def,
                        value: value.value,
                    });
                }
                self.error(
                    expr.span,
                    format!("`{name}` is not a value of enum `{enum_name}` (for `{context}`)"),
                );
                None
            }
            ConstExprKind::Int(number) => {
                match e.values.iter().find(|v| i64::from(v.value) == *number) {
                    Some(value) => Some(ConstValue::Enum {
                        def,
                        value: value.value,
                    }),
                    None => {
                        self.error(expr.span, format!("enum `{enum_name}` has no value numbered {number} (for `{context}`)"));
                        None
                    }
                }
            }
            _ => self.mismatch(expr, context, &format!("a value of enum `{enum_name}`")),
        }
    }

    fn evaluate_struct(
        &mut self,
        file: FileId,
        expr: &ConstExpr,
        def: DefId,
        context: &str,
        states: &mut Vec<State>,
    ) -> Option<ConstValue> {
        let struct_name = self.defs[def.index()].name.clone();
        let ConstExprKind::Map(entries) = &expr.kind else {
            return self.mismatch(
                expr,
                context,
                &format!("a map literal of the fields of `{struct_name}`"),
            );
        };
        let mut fields = Vec::with_capacity(entries.len());
        let mut ok = true;
        for (key, value) in entries {
            let ConstExprKind::Literal(field_name) = &key.kind else {
                self.error(
                    key.span,
                    format!(
                        "fields of `{struct_name}` are named by string literals, found {}",
                        describe(key)
                    ),
                );
                ok = false;
                continue;
            };
            let DefKind::Struct(s) = &self.defs[def.index()].kind else {
                return None;
            };
            let Some(index) = s.fields.iter().position(|f| f.name == *field_name) else {
                self.error(
                    key.span,
                    format!("`{struct_name}` has no field named `{field_name}`"),
                );
                ok = false;
                continue;
            };
            let field_type = s.fields[index].ty.clone();
            match self.evaluate(
                file,
                value,
                &field_type,
                &format!("{context}.{field_name}"),
                states,
            ) {
                Some(value) => fields.push((index, value)),
                None => ok = false,
            }
        }
        ok.then_some(ConstValue::Struct { def, fields })
    }
}

fn describe(expr: &ConstExpr) -> String {
    match &expr.kind {
        ConstExprKind::Int(value) => format!("the integer {value}"),
        ConstExprKind::Double(value) => format!("the number {value}"),
        ConstExprKind::Literal(_) => "a string literal".to_string(),
        ConstExprKind::Ident(name) => format!("the name `{name}`"),
        ConstExprKind::List(_) => "a list `[…]`".to_string(),
        ConstExprKind::Map(_) => "a map `{…}`".to_string(),
    }
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (optionally in braces) into 16 bytes.
pub(crate) fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    if groups.len() != 5 || groups.iter().zip(lengths).any(|(g, n)| g.len() != n) {
        return None;
    }
    let hex: String = groups.concat();
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(bytes)
}

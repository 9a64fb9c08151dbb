//! Rust types for IDL types, and Rust expressions for IDL constant values.
//!
//! Paths to other generated items are relative (`super::shared::Thing`), so generated modules
//! work at any depth of the user's crate.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use thrift_parser::ir::{BaseType, ConstValue, DefId, DefKind, StructKind, Type};
use thrift_parser::source::FileId;

use crate::context::{Context, ModulePath};
use crate::names::ident;
use crate::options::{BinaryType, Collections, StringType};

/// Where generated code is being written: the module of this IDL file, or a service's hidden
/// wire module inside it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Here {
    pub(crate) file: FileId,
    /// Inside a wire module: one level below the file's module.
    pub(crate) in_wire: bool,
}

impl Here {
    /// The module of IDL file `file`.
    pub(crate) fn file(file: FileId) -> Here {
        Here {
            file,
            in_wire: false,
        }
    }

    /// A wire module of this file.
    pub(crate) fn wire(self) -> Here {
        Here {
            in_wire: true,
            ..self
        }
    }
}

impl Context<'_> {
    /// The path from `here` to definition `def`.
    pub(crate) fn def_path(&self, def: DefId, here: Here) -> TokenStream {
        self.item_path(self.program.def(def).file, self.item_name(def), here)
    }

    /// The path from `here` to the generated item `name` in the module of IDL file `file`.
    pub(crate) fn item_path(&self, file: FileId, name: &str, here: Here) -> TokenStream {
        let name = ident(name);
        let wire_super = here.in_wire.then(|| quote!(super::));
        if file == here.file {
            return quote!(#wire_super #name);
        }
        match (
            &self.modules[file.index()],
            &self.modules[here.file.index()],
        ) {
            (ModulePath::Extern(path), _) => quote!(#path::#name),
            (ModulePath::Local(target_path), ModulePath::Local(own_path)) => {
                // Up to the include point, then down to the target module.
                let supers = own_path.iter().map(|_| quote!(super::));
                let segments = target_path.iter().map(|s| ident(s));
                quote!(#wire_super #(#supers)* #(#segments::)* #name)
            }
            (ModulePath::Local(_), ModulePath::Extern(_)) => {
                unreachable!("code is only generated for local modules")
            }
        }
    }

    /// The Rust type of a value of IDL type `ty`.
    pub(crate) fn rust_type(&self, ty: &Type, here: Here) -> TokenStream {
        self.rust_type_in(ty, here, false)
    }

    /// The Rust type of field `index` of struct-like `def` (unboxed, without `Option`): fields
    /// of structs used as keys are in key form.
    pub(crate) fn field_type(&self, def: DefId, ty: &Type, here: Here) -> TokenStream {
        self.rust_type_in(ty, here, self.key_structs.contains(&def))
    }

    /// The value of a field of struct-like `def`, in key form for key structs.
    pub(crate) fn field_value_expr(
        &self,
        def: DefId,
        ty: &Type,
        value: &ConstValue,
        here: Here,
    ) -> TokenStream {
        self.value_expr_in(ty, value, here, self.key_structs.contains(&def))
    }

    /// The Rust type of `ty` as a set element or map key: doubles become `OrderedF64`, and a
    /// typedef that hides a double is looked through.
    fn rust_type_in(&self, ty: &Type, here: Here, key: bool) -> TokenStream {
        match ty {
            Type::Base(base) => self.base_type(*base, key),
            Type::List(elem) => {
                let elem = self.rust_type_in(elem, here, key);
                quote!(::std::vec::Vec<#elem>)
            }
            Type::Set(elem) if self.is_fd(elem) => quote!(_rt::FdSet),
            Type::Set(elem) => {
                let elem = self.rust_type_in(elem, here, true);
                match self.config.collections {
                    Collections::BTree => quote!(::std::collections::BTreeSet<#elem>),
                    Collections::Hash => quote!(::std::collections::HashSet<#elem>),
                }
            }
            Type::Map(k, v) => {
                let k = self.rust_type_in(k, here, true);
                let v = self.rust_type_in(v, here, key);
                match self.config.collections {
                    Collections::BTree => quote!(::std::collections::BTreeMap<#k, #v>),
                    Collections::Hash => quote!(::std::collections::HashMap<#k, #v>),
                }
            }
            Type::Def(def) => {
                if key && self.hides_double(ty) {
                    if let DefKind::Typedef(typedef) = &self.program.def(*def).kind {
                        return self.rust_type_in(&typedef.target, here, key);
                    }
                }
                self.def_path(*def, here)
            }
            Type::Error => quote!(()),
        }
    }

    fn base_type(&self, base: BaseType, key: bool) -> TokenStream {
        match base {
            BaseType::Bool => quote!(bool),
            BaseType::I8 => quote!(i8),
            BaseType::I16 => quote!(i16),
            BaseType::I32 => quote!(i32),
            BaseType::I64 => quote!(i64),
            BaseType::Double if key => quote!(_rt::OrderedF64),
            BaseType::Double => quote!(f64),
            BaseType::String => match self.config.string {
                StringType::String => quote!(::std::string::String),
                StringType::BytesStr => quote!(_rt::BytesStr),
            },
            BaseType::Binary => match self.config.binary {
                BinaryType::Vec => quote!(::std::vec::Vec<u8>),
                BinaryType::Bytes => quote!(_rt::Bytes),
            },
            BaseType::Uuid => quote!([u8; 16]),
            BaseType::Fd => quote!(_rt::OwnedFd),
        }
    }

    /// True when `ty` is a typedef chain (possibly inside containers) that ends at a double,
    /// which in key position must be spelled out rather than named.
    fn hides_double(&self, ty: &Type) -> bool {
        match self.program.true_type(ty) {
            Type::Base(BaseType::Double) => true,
            Type::List(elem) | Type::Set(elem) => self.hides_double(elem),
            Type::Map(k, v) => self.hides_double(k) || self.hides_double(v),
            _ => false,
        }
    }

    /// An expression that builds the value `value` of IDL type `ty` (an owned value).
    pub(crate) fn value_expr(&self, ty: &Type, value: &ConstValue, here: Here) -> TokenStream {
        self.value_expr_in(ty, value, here, false)
    }

    fn value_expr_in(&self, ty: &Type, value: &ConstValue, here: Here, key: bool) -> TokenStream {
        let true_ty = self.program.true_type(ty);
        match (true_ty, value) {
            (Type::Base(BaseType::Binary), ConstValue::String(s)) => {
                let bytes = Literal::byte_string(s.as_bytes());
                match self.config.binary {
                    BinaryType::Vec => quote!(#bytes.to_vec()),
                    BinaryType::Bytes => quote!(_rt::Bytes::from_static(#bytes)),
                }
            }
            (Type::Base(BaseType::Double), _) if key => {
                let v = scalar_expr(true_ty, value);
                quote!(_rt::OrderedF64(#v))
            }
            (Type::Base(BaseType::String), ConstValue::String(s)) => match self.config.string {
                StringType::String => quote!(::std::string::String::from(#s)),
                StringType::BytesStr => quote!(_rt::BytesStr::from_static(#s)),
            },
            (Type::List(elem), ConstValue::List(items)) => {
                if items.is_empty() {
                    return quote!(::std::vec::Vec::new());
                }
                let items = items.iter().map(|v| self.value_expr_in(elem, v, here, key));
                quote!(::std::vec![#(#items),*])
            }
            (Type::Set(elem), ConstValue::List(items)) => {
                let collection = match self.config.collections {
                    Collections::BTree => quote!(::std::collections::BTreeSet),
                    Collections::Hash => quote!(::std::collections::HashSet),
                };
                if items.is_empty() {
                    return quote!(#collection::new());
                }
                let items = items
                    .iter()
                    .map(|v| self.value_expr_in(elem, v, here, true));
                quote!(#collection::from([#(#items),*]))
            }
            (Type::Map(k, v), ConstValue::Map(entries)) => {
                let collection = match self.config.collections {
                    Collections::BTree => quote!(::std::collections::BTreeMap),
                    Collections::Hash => quote!(::std::collections::HashMap),
                };
                if entries.is_empty() {
                    return quote!(#collection::new());
                }
                let entries = entries.iter().map(|(key_value, value)| {
                    let key_expr = self.value_expr_in(k, key_value, here, true);
                    let value_expr = self.value_expr_in(v, value, here, key);
                    quote!((#key_expr, #value_expr))
                });
                quote!(#collection::from([#(#entries),*]))
            }
            (Type::Def(def), ConstValue::Enum { value, .. }) => {
                self.enum_value_expr(*def, *value, here)
            }
            (Type::Def(def), ConstValue::Struct { fields, .. }) => {
                self.struct_value_expr(*def, fields, here)
            }
            _ => scalar_expr(true_ty, value),
        }
    }

    /// `Color::RED`, or `Color(7)` for a number the enum does not name.
    fn enum_value_expr(&self, def: DefId, value: i32, here: Here) -> TokenStream {
        let path = self.def_path(def, here);
        let DefKind::Enum(enumeration) = &self.program.def(def).kind else {
            return quote!(#path(#value));
        };
        match enumeration.values.iter().position(|v| v.value == value) {
            Some(index) => {
                let name = ident(&self.member_names(def)[index]);
                quote!(#path::#name)
            }
            None => quote!(#path(#value)),
        }
    }

    /// A struct literal with every field: given ones, then IDL defaults, then type defaults.
    fn struct_value_expr(
        &self,
        def: DefId,
        given: &[(usize, ConstValue)],
        here: Here,
    ) -> TokenStream {
        let path = self.def_path(def, here);
        let DefKind::Struct(strukt) = &self.program.def(def).kind else {
            return quote!(#path::default());
        };
        let member_names = self.member_names(def);
        if strukt.kind == StructKind::Union {
            return match given.first() {
                Some((index, value)) => {
                    let variant = ident(&member_names[*index]);
                    let mut expr =
                        self.field_value_expr(def, &strukt.fields[*index].ty, value, here);
                    if self.boxed.contains(&(def, *index)) {
                        expr = quote!(::std::boxed::Box::new(#expr));
                    }
                    quote!(#path::#variant(#expr))
                }
                None if self.keeps_unknown_fields(def) => {
                    quote!(#path::Unknown(_rt::UnknownFields::new()))
                }
                None => quote!(#path::Unknown(0)),
            };
        }
        let fields = strukt.fields.iter().enumerate().map(|(index, field)| {
            let name = ident(&member_names[index]);
            let explicit = given
                .iter()
                .rev()
                .find(|(i, _)| *i == index)
                .map(|(_, v)| v);
            let value = explicit.or(field.default.as_ref());
            let optional = self.is_optional(def, index);
            let expr = match value {
                Some(value) => {
                    let mut expr = self.field_value_expr(def, &field.ty, value, here);
                    if self.boxed.contains(&(def, index)) {
                        expr = quote!(::std::boxed::Box::new(#expr));
                    }
                    if optional {
                        quote!(::core::option::Option::Some(#expr))
                    } else {
                        expr
                    }
                }
                None if optional => quote!(::core::option::Option::None),
                None => quote!(::core::default::Default::default()),
            };
            quote!(#name: #expr)
        });
        let unknown = self
            .keeps_unknown_fields(def)
            .then(|| quote!(unknown_fields: _rt::UnknownFields::new()));
        let fields = fields.chain(unknown);
        quote!(#path { #(#fields),* })
    }
}

/// Scores past this get `#[allow(clippy::type_complexity)]`: clippy's limit is 250, and our
/// score is an estimate, so the margin keeps us on the safe side.
pub(crate) const COMPLEX_TYPE: usize = 200;

impl Context<'_> {
    /// An estimate of clippy's `type_complexity` score for the Rust type of `ty` at nesting
    /// level `nest` (1 at the top): each type costs ten times its nesting level.
    pub(crate) fn type_score(&self, ty: &Type, nest: usize) -> usize {
        let own = 10 * nest;
        match ty {
            Type::Base(BaseType::Binary) if self.config.binary == BinaryType::Vec => {
                own + 10 * (nest + 1)
            }
            Type::Base(BaseType::Uuid) => own + 10 * (nest + 1),
            Type::Base(_) | Type::Def(_) | Type::Error => own,
            Type::List(elem) | Type::Set(elem) => own + self.type_score(elem, nest + 1),
            Type::Map(k, v) => own + self.type_score(k, nest + 1) + self.type_score(v, nest + 1),
        }
    }

    /// The score of `Wrapper<ty>` (`Option`, `Box`, `LazyLock`), wrapped `wrappers` times.
    pub(crate) fn wrapped_score(&self, ty: &Type, wrappers: usize) -> usize {
        (1..=wrappers).map(|n| 10 * n).sum::<usize>() + self.type_score(ty, wrappers + 1)
    }
}

/// True when a constant holds a `double` somewhere (its literal may look like π to clippy's
/// `approx_constant`, which is no reason to reject the IDL's number).
pub(crate) fn has_double(ty_value: &ConstValue) -> bool {
    match ty_value {
        ConstValue::Double(_) => true,
        ConstValue::List(items) => items.iter().any(has_double),
        ConstValue::Map(entries) => entries.iter().any(|(k, v)| has_double(k) || has_double(v)),
        ConstValue::Struct { fields, .. } => fields.iter().any(|(_, v)| has_double(v)),
        _ => false,
    }
}

/// A literal for a scalar constant.
pub(crate) fn scalar_expr(ty: &Type, value: &ConstValue) -> TokenStream {
    match (ty, value) {
        (_, ConstValue::Bool(b)) => quote!(#b),
        (Type::Base(BaseType::Double), ConstValue::Int(i)) => float_expr(*i as f64),
        (Type::Base(BaseType::Double), ConstValue::Double(d)) => float_expr(*d),
        (Type::Base(base), ConstValue::Int(i)) => int_expr(*base, *i),
        (_, ConstValue::Uuid(bytes)) => {
            let bytes = bytes.iter().map(|b| Literal::u8_unsuffixed(*b));
            quote!([#(#bytes),*])
        }
        (_, ConstValue::String(s)) => quote!(#s),
        _ => quote!(::core::default::Default::default()),
    }
}

fn int_expr(base: BaseType, value: i64) -> TokenStream {
    // Built as `-` and a positive literal (a token cannot hold the sign); the minimum of each
    // type has no positive counterpart, so it is named instead.
    let magnitude = value.unsigned_abs();
    let literal = match base {
        BaseType::I8 if value == i64::from(i8::MIN) => return quote!(i8::MIN),
        BaseType::I16 if value == i64::from(i16::MIN) => return quote!(i16::MIN),
        BaseType::I32 if value == i64::from(i32::MIN) => return quote!(i32::MIN),
        _ if value == i64::MIN => return quote!(i64::MIN),
        // The resolver checked that the value fits the type.
        BaseType::I8 => Literal::i8_suffixed(magnitude as i8),
        BaseType::I16 => Literal::i16_suffixed(magnitude as i16),
        BaseType::I32 => Literal::i32_suffixed(magnitude as i32),
        _ => Literal::i64_suffixed(magnitude as i64),
    };
    if value < 0 {
        quote!(-#literal)
    } else {
        quote!(#literal)
    }
}

fn float_expr(value: f64) -> TokenStream {
    if value.is_nan() {
        return quote!(f64::NAN);
    }
    if value.is_infinite() {
        return if value > 0.0 {
            quote!(f64::INFINITY)
        } else {
            quote!(f64::NEG_INFINITY)
        };
    }
    let literal = Literal::f64_suffixed(value.abs());
    if value.is_sign_negative() {
        quote!(-#literal)
    } else {
        quote!(#literal)
    }
}

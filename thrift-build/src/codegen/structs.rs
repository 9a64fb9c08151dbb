//! Structs and exceptions (and the hidden argument and result structs of service methods).
//!
//! A struct becomes a Rust struct with public fields: `required` and default-requiredness
//! fields are plain values, `optional` ones are `Option`s. It implements `WriteThrift` and
//! `ReadThrift` directly, reading each field into its final type. Exceptions are the same plus
//! `Display` and `std::error::Error`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use thrift_parser::ir::{
    BaseType, ConstValue, DefId, DefKind, Field, Requiredness, StructKind, Type,
};

use super::docs::opt_doc_attrs;
use super::tokens::{derive_attr, id_literal};
use crate::context::{Caps, Context, DefaultImpl, is_type_default};
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here, has_double};

/// What the struct emitter needs to know about a struct.
#[derive(Debug)]
pub(crate) struct StructModel {
    /// The Rust name.
    pub(crate) name: Ident,
    /// The IDL name (written by protocols that name structs, and used in error paths).
    pub(crate) idl_name: String,
    pub(crate) doc: TokenStream,
    /// `#[doc(hidden)]` and no IDL docs: argument structs.
    pub(crate) hidden: bool,
    /// A borrowed view (a client's arguments): fields may be references (`'a`), and it is
    /// only written, never read.
    pub(crate) view: bool,
    /// Written by writing this expression (a view of `self`) instead of field by field, so
    /// the two share one encoding.
    pub(crate) write_via: Option<TokenStream>,
    pub(crate) attrs: Vec<TokenStream>,
    pub(crate) fields: Vec<FieldModel>,
    pub(crate) caps: Caps,
    /// How it gets `Default`.
    pub(crate) default: DefaultImpl,
    /// Has an `unknown_fields` field that reading fills and writing writes back
    /// (`keep_unknown_fields`).
    pub(crate) keep_unknown: bool,
    /// Some field type is complex enough for clippy's `type_complexity`.
    pub(crate) complex: bool,
    /// Some IDL default holds a `double` (clippy's `approx_constant` may flag it).
    pub(crate) float_defaults: bool,
}

/// What the struct emitter needs to know about a field.
#[derive(Debug)]
pub(crate) struct FieldModel {
    pub(crate) id: i16,
    pub(crate) idl_name: String,
    /// The Rust field name.
    pub(crate) name: Ident,
    /// The Rust type, boxed where needed, without the `Option` of optional fields.
    pub(crate) ty: TokenStream,
    pub(crate) optional: bool,
    /// Held by reference (`&'a ty`), in a view.
    pub(crate) borrowed: bool,
    /// The value of a missing field: `None` when a missing field is an error.
    pub(crate) default: Option<FieldDefault>,
    pub(crate) doc: TokenStream,
    pub(crate) attrs: Vec<TokenStream>,
}

/// The value a non-optional field takes when it is missing.
#[derive(Debug)]
pub(crate) enum FieldDefault {
    /// `Default::default()` of its type.
    Type,
    /// The IDL default value, built by an expression that allocates (read lazily).
    Idl(TokenStream),
    /// The IDL default value, a constant expression (no closure needed).
    Cheap(TokenStream),
}

/// What a non-optional field of IDL type `ty` with IDL default `value` takes when missing
/// (`None`: a missing field is an error). `owner` is the struct, for key-form values.
pub(crate) fn field_default(
    cx: &Context<'_>,
    owner: Option<DefId>,
    field: &Field,
    boxed: bool,
    here: Here,
) -> Option<FieldDefault> {
    match &field.default {
        _ if field.requiredness == Requiredness::Required => None,
        Some(value) if is_type_default(value) && !boxed => Some(FieldDefault::Type),
        Some(value) => {
            let mut expr = match owner {
                Some(def) => cx.field_value_expr(def, &field.ty, value, here),
                None => cx.value_expr(&field.ty, value, here),
            };
            if boxed {
                expr = quote!(::std::boxed::Box::new(#expr));
            }
            Some(if !boxed && is_cheap(cx, &field.ty, value) {
                FieldDefault::Cheap(expr)
            } else {
                FieldDefault::Idl(expr)
            })
        }
        None if cx.type_has_default(&field.ty) => Some(FieldDefault::Type),
        None => None,
    }
}

/// True when the expression for `value` builds it without calling anything (numbers, enum
/// constants, and structs or unions made of those), so clippy wants it eager.
fn is_cheap(cx: &Context<'_>, ty: &Type, value: &ConstValue) -> bool {
    match (cx.program.true_type(ty), value) {
        (Type::Base(base), _) => !matches!(base, BaseType::String | BaseType::Binary),
        (Type::Def(def), ConstValue::Struct { fields, .. }) => {
            let DefKind::Struct(strukt) = &cx.program.def(*def).kind else {
                return false;
            };
            let cheap = |index: usize, value: &ConstValue| {
                !cx.boxed.contains(&(*def, index)) && is_cheap(cx, &strukt.fields[index].ty, value)
            };
            if strukt.kind == StructKind::Union {
                return fields.iter().all(|(index, value)| cheap(*index, value));
            }
            // Every field must be given (or defaulted) by a cheap value, or be an absent
            // optional (`None`); `Default::default()` is a call.
            strukt.fields.iter().enumerate().all(|(index, field)| {
                let given = fields
                    .iter()
                    .rev()
                    .find(|(i, _)| *i == index)
                    .map(|(_, v)| v);
                match given.or(field.default.as_ref()) {
                    Some(value) => cheap(index, value),
                    None => cx.is_optional(*def, index),
                }
            })
        }
        (Type::Def(_), ConstValue::Enum { .. }) => true,
        _ => false,
    }
}

/// The model of an IDL struct or exception.
pub(crate) fn model(cx: &Context<'_>, def_id: DefId, here: Here) -> StructModel {
    let def = cx.program.def(def_id);
    let DefKind::Struct(strukt) = &def.kind else {
        unreachable!("struct models are built for structs")
    };
    let file_name = &cx.program.file(def.file).name;
    let names = cx.member_names(def_id);
    let fields = strukt
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let boxed = cx.boxed.contains(&(def_id, index));
            let mut ty = cx.field_type(def_id, &field.ty, here);
            if boxed {
                ty = quote!(::std::boxed::Box<#ty>);
            }
            let optional = cx.is_optional(def_id, index);
            let default = if optional {
                None
            } else {
                field_default(cx, Some(def_id), field, boxed, here)
            };
            FieldModel {
                id: field.id,
                idl_name: field.name.clone(),
                name: ident(&names[index]),
                ty,
                optional,
                borrowed: false,
                default,
                doc: opt_doc_attrs(field.doc.as_deref()),
                attrs: cx
                    .config
                    .field_attributes_for(file_name, &def.name, &field.name),
            }
        })
        .collect();
    StructModel {
        name: ident(cx.item_name(def_id)),
        idl_name: def.name.clone(),
        doc: opt_doc_attrs(def.doc.as_deref()),
        hidden: false,
        view: false,
        write_via: None,
        attrs: cx.config.type_attributes_for(file_name, &def.name),
        fields,
        caps: cx.caps(def_id),
        default: cx.default_impl(def_id),
        keep_unknown: cx.keeps_unknown_fields(def_id),
        complex: strukt.fields.iter().enumerate().any(|(index, field)| {
            let wrappers = usize::from(cx.is_optional(def_id, index))
                + usize::from(cx.boxed.contains(&(def_id, index)));
            cx.wrapped_score(&field.ty, wrappers) > COMPLEX_TYPE
        }),
        float_defaults: strukt
            .fields
            .iter()
            .any(|f| f.default.as_ref().is_some_and(has_double)),
    }
}

/// An IDL struct or exception: declaration, `Default`, codec impls (and for exceptions
/// `Display` + `Error`).
pub(crate) fn emit_definition(cx: &Context<'_>, def_id: DefId, here: Here) -> TokenStream {
    let model = model(cx, def_id, here);
    let strukt = emit(&model);
    let DefKind::Struct(idl) = &cx.program.def(def_id).kind else {
        unreachable!("struct models are built for structs")
    };
    if idl.kind != StructKind::Exception {
        return strukt;
    }
    // `Display` shows the `message` field when the exception has a string one.
    let message = idl.fields.iter().position(|f| {
        f.name == "message" && cx.program.true_type(&f.ty) == &Type::Base(BaseType::String)
    });
    let error = exception_impls(&model, message.map(|index| &model.fields[index]));
    quote!(#strukt #error)
}

/// Declaration, `Default` and codec impls of a struct model (a view: declaration and
/// `WriteThrift`).
pub(crate) fn emit(model: &StructModel) -> TokenStream {
    let declaration = declaration(model);
    if model.view {
        let write = write_impl(model);
        return quote!(#declaration #write);
    }
    let default = default_impl(model);
    let write = write_impl(model);
    let read = read_impl(model);
    quote!(#declaration #default #write #read)
}

/// `<'a>` for a view that borrows, else nothing.
fn lifetime(model: &StructModel) -> Option<TokenStream> {
    (model.view && model.fields.iter().any(|f| f.borrowed)).then(|| quote!(<'a>))
}

fn declaration(model: &StructModel) -> TokenStream {
    let StructModel {
        name, doc, attrs, ..
    } = model;
    let lifetime = lifetime(model);
    let derive = derive_attr(model.caps, model.default == DefaultImpl::Derived);
    let hidden = model.hidden.then(|| quote!(#[doc(hidden)]));
    // The IDL spells the field types; an alias would not make them simpler to read.
    let complex = model
        .complex
        .then(|| quote!(#[allow(clippy::type_complexity)]));
    let fields = model.fields.iter().map(|field| {
        let FieldModel {
            name,
            ty,
            doc,
            attrs,
            ..
        } = field;
        let ty = if field.optional {
            quote!(::core::option::Option<#ty>)
        } else if field.borrowed {
            quote!(&'a #ty)
        } else {
            quote!(#ty)
        };
        quote!(#doc #(#attrs)* pub #name: #ty)
    });
    let unknown = model.keep_unknown.then(|| {
        quote! {
            /// Fields this build does not know, kept as read and written back.
            pub unknown_fields: _rt::UnknownFields
        }
    });
    let fields = fields.chain(unknown);
    quote! {
        #doc
        #hidden
        #derive
        #complex
        #(#attrs)*
        pub struct #name #lifetime {
            #(#fields),*
        }
    }
}

fn default_impl(model: &StructModel) -> TokenStream {
    if model.default != DefaultImpl::Written {
        return TokenStream::new();
    }
    let name = &model.name;
    let fields = model.fields.iter().map(|field| {
        let field_name = &field.name;
        let value = match &field.default {
            _ if field.optional => quote!(::core::option::Option::None),
            Some(FieldDefault::Idl(expr) | FieldDefault::Cheap(expr)) => expr.clone(),
            _ => quote!(::core::default::Default::default()),
        };
        quote!(#field_name: #value)
    });
    let unknown = model
        .keep_unknown
        .then(|| quote!(unknown_fields: _rt::UnknownFields::new()));
    let fields = fields.chain(unknown);
    let approx = approx_allow(model);
    quote! {
        #approx
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self { #(#fields),* }
            }
        }
    }
}

fn write_impl(model: &StructModel) -> TokenStream {
    let name = &model.name;
    let idl_name = &model.idl_name;
    // `'_`: the impl never names the lifetime.
    let lifetime = lifetime(model).map(|_| quote!(<'_>));
    let fields = model.fields.iter().map(|field| {
        let field_name = &field.name;
        let id = id_literal(field.id);
        if field.borrowed {
            quote!(_rt::write_field(w, #id, self.#field_name)?;)
        } else if field.optional {
            quote! {
                if let ::core::option::Option::Some(value) = &self.#field_name {
                    _rt::write_field(w, #id, value)?;
                }
            }
        } else {
            quote!(_rt::write_field(w, #id, &self.#field_name)?;)
        }
    });
    let body = match &model.write_via {
        Some(view) => quote!(_rt::WriteThrift::write(&#view, w)),
        // Each unknown field goes back after the known fields read before it.
        None if model.keep_unknown => {
            let fields = fields.enumerate().map(|(index, field)| {
                let known = known_count(index);
                quote! {
                    unknown.write_through(w, #known)?;
                    #field
                }
            });
            // Only known fields move the cursor before its last call.
            let cursor = if model.fields.is_empty() {
                quote!(unknown)
            } else {
                quote!(mut unknown)
            };
            quote! {
                w.write_struct_begin(#idl_name)?;
                let #cursor = _rt::UnknownCursor::new(&self.unknown_fields);
                #(#fields)*
                unknown.write_rest(w)?;
                w.write_field_stop()?;
                w.write_struct_end()
            }
        }
        None => quote! {
            w.write_struct_begin(#idl_name)?;
            #(#fields)*
            w.write_field_stop()?;
            w.write_struct_end()
        },
    };
    quote! {
        impl _rt::WriteThrift for #name #lifetime {
            const TTYPE: _rt::TType = _rt::TType::Struct;

            fn write<W: _rt::ProtocolWriter + ?Sized>(&self, w: &mut W) -> _rt::Result<()> {
                #body
            }
        }
    }
}

fn read_impl(model: &StructModel) -> TokenStream {
    let name = &model.name;
    let idl_name = &model.idl_name;
    let slots: Vec<Ident> = (0..model.fields.len())
        .map(|i| quote::format_ident!("field_{}", i))
        .collect();
    // The slot types are inferred from the struct literal at the end.
    let declare = slots
        .iter()
        .map(|slot| quote!(let mut #slot = ::core::option::Option::None;));
    let arms = model
        .fields
        .iter()
        .zip(&slots)
        .enumerate()
        .map(|(index, (field, slot))| {
            let id = id_literal(field.id);
            let field_idl_name = &field.idl_name;
            // With unknown fields kept: how many known fields (in declaration order) an
            // unknown field read next comes after.
            let known = model.keep_unknown.then(|| {
                let known = known_count(index + 1);
                quote!(known = #known;)
            });
            quote!(#id => {
                _rt::read_field_into(r, field, &mut #slot, #idl_name, #field_idl_name)?;
                #known
            })
        });
    let field_loop = if model.keep_unknown {
        let arms = arms.collect::<Vec<_>>();
        // `known` is only assigned by the arms of known fields.
        let known = if arms.is_empty() {
            quote!(let known = 0u16;)
        } else {
            quote!(let mut known = 0u16;)
        };
        let capture = quote!(_rt::capture_unknown_field(r, field, &mut unknown_fields, known)?;);
        let body = if arms.is_empty() {
            capture
        } else {
            quote! {
                match field.id {
                    #(#arms)*
                    _ => { #capture }
                }
            }
        };
        quote! {
            #known
            while let ::core::option::Option::Some(field) = r.read_field_begin()? {
                #body
            }
        }
    } else if model.fields.is_empty() {
        quote! {
            while let ::core::option::Option::Some(field) = r.read_field_begin()? {
                _rt::skip_field(r, field)?;
            }
        }
    } else {
        quote! {
            while let ::core::option::Option::Some(field) = r.read_field_begin()? {
                match field.id {
                    #(#arms)*
                    _ => {
                        _rt::skip_field(r, field)?;
                    }
                }
            }
        }
    };
    let inits = model.fields.iter().zip(&slots).map(|(field, slot)| {
        let field_name = &field.name;
        let field_idl_name = &field.idl_name;
        let value = match &field.default {
            _ if field.optional => quote!(#slot),
            Some(FieldDefault::Type) => quote!(#slot.unwrap_or_default()),
            Some(FieldDefault::Idl(expr)) => quote!(#slot.unwrap_or_else(|| #expr)),
            Some(FieldDefault::Cheap(expr)) => quote!(#slot.unwrap_or(#expr)),
            None => quote! {
                #slot.ok_or_else(|| _rt::missing_field(#idl_name, #field_idl_name))?
            },
        };
        quote!(#field_name: #value)
    });
    let unknown = model.keep_unknown.then(|| quote!(unknown_fields));
    let inits = inits.chain(unknown);
    let declare_unknown = model
        .keep_unknown
        .then(|| quote!(let mut unknown_fields = _rt::UnknownFields::new();));
    let approx = approx_allow(model);
    quote! {
        #approx
        impl _rt::ReadThrift for #name {
            const TTYPE: _rt::TType = _rt::TType::Struct;

            fn read<R: _rt::ProtocolReader + ?Sized>(r: &mut R) -> _rt::Result<Self> {
                #(#declare)*
                #declare_unknown
                r.read_struct_begin()?;
                #field_loop
                r.read_struct_end()?;
                ::core::result::Result::Ok(Self { #(#inits),* })
            }
        }
    }
}

/// `count` known fields as the `u16` unknown fields are positioned by.
fn known_count(count: usize) -> proc_macro2::Literal {
    proc_macro2::Literal::u16_suffixed(u16::try_from(count).unwrap_or(u16::MAX))
}

/// The IDL's numbers are what they are, even when one looks like π.
fn approx_allow(model: &StructModel) -> Option<TokenStream> {
    model
        .float_defaults
        .then(|| quote!(#[allow(clippy::approx_constant)]))
}

/// `Display` (the `message` field when there is a string one, else the fields) and `Error`.
fn exception_impls(model: &StructModel, message: Option<&FieldModel>) -> TokenStream {
    let name = &model.name;
    let idl_name = &model.idl_name;
    // The name goes into the format string: clippy rejects literal arguments.
    let with_message = format!("{idl_name}: {{}}");
    let body = match message {
        Some(field) if field.optional => {
            let field_name = &field.name;
            quote! {
                match &self.#field_name {
                    ::core::option::Option::Some(message) => ::core::write!(f, #with_message, message),
                    ::core::option::Option::None => f.write_str(#idl_name),
                }
            }
        }
        Some(field) => {
            let field_name = &field.name;
            quote!(::core::write!(f, #with_message, self.#field_name))
        }
        None => quote!(::core::write!(f, "{:?}", self)),
    };
    quote! {
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                #body
            }
        }

        impl ::std::error::Error for #name {}
    }
}

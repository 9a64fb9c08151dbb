//! The hidden wire structs of a service function: its arguments and its result, as the
//! struct emitter writes them.

use proc_macro2::{Ident, TokenStream};
use thrift_parser::ir::{DefId, Function, Type};

use crate::codegen::structs::{self, FieldModel, StructModel};
use crate::context::{Context, DefaultImpl};
use crate::names::ident;
use crate::types::{COMPLEX_TYPE, Here, has_double};

/// The hidden argument struct: the parameters as fields.
pub(super) fn args_model(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
) -> StructModel {
    let names = &cx.service_names(service).functions[index];
    let param_names = &names.params;
    let fields = function
        .params
        .iter()
        .zip(param_names)
        .map(|(param, name)| {
            let default = structs::field_default(cx, None, param, false, here);
            wire_field(
                cx,
                param.id,
                &param.name,
                ident(name),
                &param.ty,
                Some(default),
                here,
            )
        })
        .collect();
    StructModel {
        name: ident(&names.args),
        idl_name: format!("{}_args", function.name),
        doc: TokenStream::new(),
        hidden: true,
        attrs: Vec::new(),
        fields,
        caps: cx.wire_derives(service, index).args,
        default: DefaultImpl::None,
        complex: function
            .params
            .iter()
            .any(|p| cx.type_score(&p.ty, 1) > COMPLEX_TYPE),
        float_defaults: function
            .params
            .iter()
            .any(|p| p.default.as_ref().is_some_and(has_double)),
    }
}

/// The hidden result struct: `success` (id 0) and one optional field per exception.
pub(super) fn result_model(
    cx: &Context<'_>,
    service: DefId,
    index: usize,
    function: &Function,
    here: Here,
) -> StructModel {
    let names = &cx.service_names(service).functions[index];
    // `success` (id 0), then the exceptions.
    let wire = function.returns.iter().map(|ty| (0, "success", ty)).chain(
        function
            .throws
            .iter()
            .map(|e| (e.id, e.name.as_str(), &e.ty)),
    );
    let fields = wire
        .zip(&names.result_fields)
        .map(|((id, idl_name, ty), name)| wire_field(cx, id, idl_name, ident(name), ty, None, here))
        .collect();
    StructModel {
        name: ident(&names.result),
        idl_name: format!("{}_result", function.name),
        doc: TokenStream::new(),
        hidden: true,
        attrs: Vec::new(),
        fields,
        caps: cx.wire_derives(service, index).result,
        default: DefaultImpl::None,
        complex: function
            .returns
            .iter()
            .chain(function.throws.iter().map(|e| &e.ty))
            .any(|ty| cx.wrapped_score(ty, 1) > COMPLEX_TYPE),
        float_defaults: false,
    }
}

/// A field of a hidden argument struct (a plain value, `Some` default rule) or result struct
/// (`None`: every result field is optional).
fn wire_field(
    cx: &Context<'_>,
    id: i16,
    idl_name: &str,
    name: Ident,
    ty: &Type,
    default: Option<Option<structs::FieldDefault>>,
    here: Here,
) -> FieldModel {
    FieldModel {
        id,
        idl_name: idl_name.to_string(),
        name,
        ty: cx.rust_type(ty, here),
        optional: default.is_none(),
        default: default.flatten(),
        doc: TokenStream::new(),
        attrs: Vec::new(),
    }
}

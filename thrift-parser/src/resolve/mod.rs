//! Resolution: parsed documents to a checked [`Program`].
//!
//! The passes, in order:
//! 1. give every definition a [`DefId`], build each file's scope, report duplicate names;
//! 2. resolve every type reference and build the definitions (fields get their ids, enum values
//!    their numbers; our extensions may be spelled as annotations: `extensions.rs`);
//! 3. evaluate constants and field defaults against their types (`consts.rs`);
//! 4. check typedef cycles, where file descriptors may not go (`fds.rs`), and services:
//!    `extends` chains, function names, `oneway` and `throws` rules (`check.rs`).
//!
//! Every pass runs even after errors, so one run reports as much as possible; a reference that
//! cannot be resolved becomes [`Type::Error`] and is not reported twice. A name qualified by an
//! include that could not be loaded (`missing.Type`) is not reported at all: the include's own
//! error says what is wrong.

mod check;
mod consts;
mod dump;
mod extensions;
mod fds;
pub mod ir;
mod scope;

use std::collections::HashMap;
use std::path::Path;

use crate::ast::{self, BaseType, DefinitionKind, Header, Requiredness, StructKind, TypeExprKind};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::LoadedFiles;
use crate::source::{FileId, SourceMap, Span};
use fds::FdSite;
use ir::{
    Const, ConstValue, Def, DefId, DefKind, Enum, EnumValue, Field, File, Function, Namespace,
    Program, Service, Struct, Type, Typedef,
};
use scope::{ConstSymbol, Exports, Scope};

/// Where a field default must be evaluated once all types are known.
#[derive(Clone, Copy, Debug)]
enum FieldSite {
    Struct {
        def: DefId,
        field: usize,
    },
    Param {
        def: DefId,
        function: usize,
        field: usize,
    },
    Throws {
        def: DefId,
        function: usize,
        field: usize,
    },
}

/// Which list a field belongs to; the rules differ slightly.
#[derive(Clone, Copy, PartialEq)]
enum FieldList {
    Struct(StructKind),
    Params,
    Throws,
}

pub(crate) fn resolve(files: LoadedFiles, diagnostics: &mut Diagnostics) -> Program {
    let LoadedFiles {
        sources,
        documents,
        includes,
        roots,
    } = files;
    let (files, defs) = {
        let mut resolver = Resolver {
            sources: &sources,
            documents: &documents,
            includes: &includes,
            scopes: Vec::new(),
            ast_defs: Vec::new(),
            defs: Vec::new(),
            defaults: Vec::new(),
            fd_sites: Vec::new(),
            const_depth: 0,
            diagnostics,
        };
        resolver.declare();
        resolver.build();
        resolver.evaluate_constants();
        resolver.check_typedef_cycles();
        resolver.check_fds();
        resolver.check_services();
        (resolver.files(), resolver.defs)
    };
    Program {
        sources,
        files,
        defs,
        roots,
    }
}

struct Resolver<'a, 'd> {
    sources: &'a SourceMap,
    /// Indexed by `FileId`.
    documents: &'a [ast::Document],
    /// Indexed by `FileId`: the target of each `include`, in order.
    includes: &'a [Vec<Option<FileId>>],
    /// One scope per file, indexed by `FileId`.
    scopes: Vec<Scope>,
    /// The syntax of each definition, indexed by `DefId`.
    ast_defs: Vec<(FileId, &'a ast::Definition)>,
    defs: Vec<Def>,
    /// Field defaults to evaluate in pass 3.
    defaults: Vec<(FieldSite, &'a ast::ConstExpr)>,
    /// Places where a type that can hold a file descriptor is not allowed, checked in pass 4.
    fd_sites: Vec<FdSite>,
    /// How many constant references are being followed right now (`A = B`, `B = C`, …).
    const_depth: usize,
    diagnostics: &'d mut Diagnostics,
}

/// The name other files use for `path`'s definitions: the file name without `.thrift`.
pub(crate) fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".thrift")
        .map(str::to_string)
        .unwrap_or(name)
}

impl<'a> Resolver<'a, '_> {
    fn stem(&self, file: FileId) -> String {
        file_stem(self.sources.get(file).path())
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(span, message));
    }

    // ----- Pass 1: ids, scopes, duplicate names -----

    fn declare(&mut self) {
        let mut exports = Vec::with_capacity(self.documents.len());
        for document in self.documents {
            let mut file_exports = Exports::default();
            let mut type_names: HashMap<String, Span> = HashMap::new();
            let mut const_names: HashMap<String, Span> = HashMap::new();
            for definition in &document.definitions {
                let id = DefId(self.ast_defs.len() as u32);
                self.ast_defs.push((document.file, definition));
                let name = definition.name.name.clone();
                let span = definition.name.span;
                match &definition.kind {
                    DefinitionKind::Const { .. } => {
                        if self.check_unique(&mut const_names, name.clone(), span, "constant") {
                            file_exports.consts.push((name, ConstSymbol::Const(id)));
                        }
                    }
                    DefinitionKind::Service { .. } => {
                        if self.check_unique(&mut type_names, name.clone(), span, "type or service")
                        {
                            file_exports.services.push((name, id));
                        }
                    }
                    DefinitionKind::Enum { values } => {
                        if self.check_unique(&mut type_names, name.clone(), span, "type or service")
                        {
                            file_exports.types.push((name.clone(), id));
                        }
                        for (index, value) in values.iter().enumerate() {
                            let qualified = format!("{name}.{}", value.name.name);
                            if self.check_unique(
                                &mut const_names,
                                qualified.clone(),
                                value.name.span,
                                "enum value",
                            ) {
                                file_exports
                                    .consts
                                    .push((qualified, ConstSymbol::EnumValue(id, index)));
                            }
                        }
                    }
                    _ => {
                        if self.check_unique(&mut type_names, name.clone(), span, "type or service")
                        {
                            file_exports.types.push((name, id));
                        }
                    }
                }
            }
            exports.push(file_exports);
        }
        for (index, document) in self.documents.iter().enumerate() {
            let mut scope = Scope::default();
            scope.add("", &exports[index]);
            for &included in self.includes[index].iter().flatten() {
                let prefix = format!("{}.", self.stem(included));
                scope.add(&prefix, &exports[included.index()]);
            }
            // `includes` holds one target per `include` header, in order.
            let paths = document.headers.iter().filter_map(|header| match header {
                Header::Include { path, .. } => Some(path),
                _ => None,
            });
            for (path, target) in paths.zip(&self.includes[index]) {
                if target.is_none() {
                    scope
                        .missing
                        .push(format!("{}.", file_stem(Path::new(path))));
                }
            }
            self.scopes.push(scope);
        }
        self.check_include_collisions();
    }

    /// Records `name`; reports it when it was seen before. Returns true when new.
    fn check_unique(
        &mut self,
        seen: &mut HashMap<String, Span>,
        name: String,
        span: Span,
        what: &str,
    ) -> bool {
        if let Some(&first) = seen.get(&name) {
            self.diagnostics.push(
                Diagnostic::error(
                    span,
                    format!("{what} `{name}` is defined twice in this file"),
                )
                .with_secondary(first, "first defined here"),
            );
            false
        } else {
            seen.insert(name, span);
            true
        }
    }

    /// Apache Thrift rejects a type whose name is also defined by a directly included file when
    /// both files declare exactly the same namespaces (including none at all): generated code
    /// for them would land in one module and clash.
    fn check_include_collisions(&mut self) {
        for document in self.documents {
            let own = namespace_set(document);
            for &included in self.includes[document.file.index()].iter().flatten() {
                let other = &self.documents[included.index()];
                if included == document.file || namespace_set(other) != own {
                    continue;
                }
                for definition in &document.definitions {
                    if matches!(definition.kind, DefinitionKind::Const { .. }) {
                        continue;
                    }
                    let clash = other.definitions.iter().find(|d| {
                        d.name.name == definition.name.name
                            && !matches!(d.kind, DefinitionKind::Const { .. })
                    });
                    if let Some(clash) = clash {
                        let path = self.sources.get(included).path().display().to_string();
                        self.diagnostics.push(
                            Diagnostic::error(
                                definition.name.span,
                                format!("`{}` is already defined in included file `{path}`", definition.name.name),
                            )
                            .with_secondary(clash.name.span, "defined there")
                            .with_note("both files declare the same namespaces, so the two definitions would collide"),
                        );
                    }
                }
            }
        }
    }

    // ----- Pass 2: types and definitions -----

    fn build(&mut self) {
        for index in 0..self.ast_defs.len() {
            let (file, definition) = self.ast_defs[index];
            let id = DefId(index as u32);
            let kind = match &definition.kind {
                DefinitionKind::Const { ty, .. } => {
                    let resolved = self.resolve_type(file, ty);
                    self.fd_sites.push(FdSite::Const {
                        name: definition.name.name.clone(),
                        ty: resolved.clone(),
                        span: ty.span,
                    });
                    // The value is evaluated in pass 3; a placeholder keeps the shape.
                    DefKind::Const(Const {
                        ty: resolved,
                        value: ConstValue::Int(0),
                    })
                }
                DefinitionKind::Typedef { ty } => {
                    self.check_misplaced_fd(&definition.annotations, "a typedef's name");
                    DefKind::Typedef(Typedef {
                        target: self.resolve_type(file, ty),
                    })
                }
                DefinitionKind::Enum { values } => {
                    DefKind::Enum(self.build_enum(&definition.name.name, values))
                }
                DefinitionKind::Struct { kind, fields, .. } => {
                    let owner = format!("{} `{}`", kind.as_str(), definition.name.name);
                    let fields = self.build_fields(
                        file,
                        fields,
                        &owner,
                        FieldList::Struct(*kind),
                        |field| FieldSite::Struct { def: id, field },
                    );
                    DefKind::Struct(Struct {
                        kind: *kind,
                        fields,
                    })
                }
                DefinitionKind::Service {
                    channel,
                    extends,
                    functions,
                } => {
                    let channel = self.service_channel(*channel, &definition.annotations);
                    DefKind::Service(self.build_service(
                        id,
                        file,
                        &definition.name.name,
                        channel,
                        extends,
                        functions,
                    ))
                }
            };
            self.defs.push(Def {
                id,
                file,
                name: definition.name.name.clone(),
                span: definition.name.span,
                doc: definition.doc.clone(),
                annotations: definition.annotations.clone(),
                kind,
            });
        }
    }

    fn resolve_type(&mut self, file: FileId, ty: &ast::TypeExpr) -> Type {
        match &ty.kind {
            TypeExprKind::Base(base) => self.annotated_base(*base, &ty.annotations),
            TypeExprKind::List(elem) => {
                self.check_misplaced_fd(&ty.annotations, "a container type");
                Type::List(Box::new(self.resolve_type(file, elem)))
            }
            TypeExprKind::Set(elem) => {
                self.check_misplaced_fd(&ty.annotations, "a container type");
                let resolved = self.resolve_type(file, elem);
                self.fd_sites.push(FdSite::SetElement {
                    ty: resolved.clone(),
                    span: elem.span,
                });
                Type::Set(Box::new(resolved))
            }
            TypeExprKind::Map(key, value) => {
                self.check_misplaced_fd(&ty.annotations, "a container type");
                let resolved_key = self.resolve_type(file, key);
                self.fd_sites.push(FdSite::MapKey {
                    ty: resolved_key.clone(),
                    span: key.span,
                });
                Type::Map(
                    Box::new(resolved_key),
                    Box::new(self.resolve_type(file, value)),
                )
            }
            TypeExprKind::Named(ident) => self.resolve_named_type(file, ident),
        }
    }

    /// A name in a type position: a type of this file or an included one, else the built-in
    /// `fd` (which is contextual: a file that defines its own `fd` means that one).
    fn resolve_named_type(&mut self, file: FileId, ident: &ast::Ident) -> Type {
        let scope = &self.scopes[file.index()];
        if let Some(&id) = scope.types.get(&ident.name) {
            return Type::Def(id);
        }
        if ident.name == BaseType::Fd.as_str() {
            return Type::Base(BaseType::Fd);
        }
        let name = &ident.name;
        if scope.is_from_missing_include(name) {
            return Type::Error;
        }
        let mut diagnostic = if scope.services.contains_key(name) {
            Diagnostic::error(ident.span, format!("`{name}` is a service, not a type"))
        } else if scope.consts.contains_key(name) {
            Diagnostic::error(ident.span, format!("`{name}` is a constant, not a type"))
        } else {
            Diagnostic::error(ident.span, format!("unknown type `{name}`"))
        };
        if name == "slist" || name == "senum" {
            diagnostic = diagnostic.with_note(format!(
                "`{name}` was removed from Thrift (0.18); use `string`"
            ));
        } else if let Some((prefix, _)) = name.rsplit_once('.') {
            let included: Vec<String> = self.includes[file.index()]
                .iter()
                .flatten()
                .map(|&f| self.stem(f))
                .collect();
            let prefix_is_include = included
                .iter()
                .any(|stem| prefix == stem || prefix.starts_with(&format!("{stem}.")));
            if !prefix_is_include {
                diagnostic = diagnostic.with_note(if included.is_empty() {
                    format!("this file includes no file named `{prefix}`; names from another file are written `file.Name` after `include \"file.thrift\"`")
                } else {
                    format!("this file includes no file named `{prefix}` (it includes: {})", included.join(", "))
                });
            }
        }
        self.diagnostics.push(diagnostic);
        Type::Error
    }

    fn build_enum(&mut self, enum_name: &str, values: &[ast::EnumValue]) -> Enum {
        let mut next: i64 = 0;
        let mut out = Vec::with_capacity(values.len());
        for value in values {
            let number = match value.value {
                Some((explicit, span)) => {
                    if i32::try_from(explicit).is_err() {
                        self.error(
                            span,
                            format!(
                                "value {explicit} of `{enum_name}.{}` does not fit in 32 bits",
                                value.name.name
                            ),
                        );
                    }
                    explicit
                }
                None => {
                    if i32::try_from(next).is_err() {
                        self.error(
                            value.name.span,
                            format!("`{enum_name}.{}` would get value {next}, which does not fit in 32 bits", value.name.name),
                        );
                    }
                    next
                }
            };
            next = number.saturating_add(1);
            out.push(EnumValue {
                name: value.name.name.clone(),
                value: number as i32,
                doc: value.doc.clone(),
                annotations: value.annotations.clone(),
                span: value.name.span,
            });
        }
        Enum { values: out }
    }

    fn build_fields(
        &mut self,
        file: FileId,
        fields: &'a [ast::Field],
        owner: &str,
        list: FieldList,
        site: impl Fn(usize) -> FieldSite,
    ) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::with_capacity(fields.len());
        let mut next_auto: i64 = -1;
        let mut ids: HashMap<i16, Span> = HashMap::new();
        let mut names: HashMap<&str, Span> = HashMap::new();
        let mut union_default: Option<Span> = None;
        for field in fields {
            let name = field.name.name.as_str();
            let (id, auto_id) = match field.id {
                Some((explicit, span)) if explicit > 0 => {
                    if explicit > i64::from(i16::MAX) {
                        self.error(span, format!("field id {explicit} of `{name}` does not fit in 16 bits (at most 32767)"));
                    }
                    (explicit as i16, false)
                }
                Some((explicit, span)) => {
                    let assigned = next_auto;
                    next_auto -= 1;
                    self.warning(
                        span,
                        format!("field id {explicit} of `{name}` is not positive; it is replaced by the automatic id {assigned}"),
                    );
                    (assigned as i16, true)
                }
                None => {
                    let assigned = next_auto;
                    next_auto -= 1;
                    self.diagnostics.push(
                        Diagnostic::warning(field.name.span, format!("field `{name}` has no id; it gets the automatic id {assigned}"))
                            .with_note("automatic ids change when fields are reordered, which breaks compatibility"),
                    );
                    (assigned as i16, true)
                }
            };
            let id_span = field.id.map_or(field.span, |(_, span)| span);
            if let Some(&first) = ids.get(&id) {
                self.diagnostics.push(
                    Diagnostic::error(id_span, format!("field id {id} is used twice in {owner}"))
                        .with_secondary(first, "first used here")
                        .with_note("field ids must be unique within a struct, union, exception or argument list"),
                );
            } else {
                ids.insert(id, id_span);
            }
            if let Some(&first) = names.get(name) {
                self.diagnostics.push(
                    Diagnostic::error(
                        field.name.span,
                        format!("field name `{name}` is used twice in {owner}"),
                    )
                    .with_secondary(first, "first used here"),
                );
            } else {
                names.insert(name, field.name.span);
            }
            let mut requiredness = field.requiredness.0;
            match list {
                FieldList::Struct(StructKind::Union) => {
                    if let (Requiredness::Required, Some(span)) = field.requiredness {
                        self.warning(span, format!("union members are always optional: `required` on `{name}` is ignored"));
                    }
                    requiredness = Requiredness::Optional;
                    if let Some(default) = &field.default {
                        if let Some(first) = union_default {
                            self.diagnostics.push(
                                Diagnostic::error(default.span, format!("{owner} has more than one default value"))
                                    .with_secondary(first, "first default here")
                                    .with_note("a union holds one field at a time, so at most one may have a default"),
                            );
                        }
                        union_default = Some(default.span);
                    }
                }
                FieldList::Throws => {
                    if let (Requiredness::Required, Some(span)) = field.requiredness {
                        self.warning(
                            span,
                            "`required` means nothing in a `throws` list and is ignored",
                        );
                        requiredness = Requiredness::Default;
                    }
                }
                FieldList::Params | FieldList::Struct(_) => {}
            }
            let ty = self.resolve_type(file, &field.ty);
            self.check_misplaced_fd(&field.annotations, "a field");
            if let Some(default) = &field.default {
                self.defaults.push((site(out.len()), default));
                self.fd_sites.push(FdSite::Default {
                    field: name.to_string(),
                    ty: ty.clone(),
                    type_span: field.ty.span,
                    span: default.span,
                });
            }
            out.push(Field {
                id,
                auto_id,
                name: name.to_string(),
                span: field.span,
                doc: field.doc.clone(),
                requiredness,
                ty,
                default: None,
                reference: field.reference,
                annotations: field.annotations.clone(),
            });
        }
        out
    }

    fn build_service(
        &mut self,
        id: DefId,
        file: FileId,
        name: &str,
        channel: u8,
        extends: &Option<ast::Ident>,
        functions: &'a [ast::Function],
    ) -> Service {
        let extends = extends
            .as_ref()
            .and_then(|base| self.resolve_service(file, base));
        let mut out = Vec::with_capacity(functions.len());
        for (index, function) in functions.iter().enumerate() {
            let returns = function
                .returns
                .as_ref()
                .map(|ty| self.resolve_type(file, ty));
            let params_owner = format!("the arguments of `{name}.{}`", function.name.name);
            let params = self.build_fields(
                file,
                &function.params,
                &params_owner,
                FieldList::Params,
                |field| FieldSite::Param {
                    def: id,
                    function: index,
                    field,
                },
            );
            let throws_owner = format!("the `throws` list of `{name}.{}`", function.name.name);
            let throws = self.build_fields(
                file,
                &function.throws,
                &throws_owner,
                FieldList::Throws,
                |field| FieldSite::Throws {
                    def: id,
                    function: index,
                    field,
                },
            );
            out.push(Function {
                name: function.name.name.clone(),
                span: function.name.span,
                doc: function.doc.clone(),
                oneway: function.oneway.is_some(),
                returns,
                params,
                throws,
                annotations: function.annotations.clone(),
            });
        }
        Service {
            channel,
            extends,
            functions: out,
        }
    }

    fn resolve_service(&mut self, file: FileId, base: &ast::Ident) -> Option<DefId> {
        let scope = &self.scopes[file.index()];
        if let Some(&id) = scope.services.get(&base.name) {
            return Some(id);
        }
        if scope.is_from_missing_include(&base.name) {
            return None;
        }
        let message = match scope.types.get(&base.name) {
            Some(&other) => {
                let what = describe_ast(&self.ast_defs[other.index()].1.kind);
                format!(
                    "`extends` names `{}`, which is {what}, not a service",
                    base.name
                )
            }
            None => format!("unknown service `{}`", base.name),
        };
        self.error(base.span, message);
        None
    }

    // ----- Output -----

    fn files(&self) -> Vec<File> {
        let mut files: Vec<File> = self
            .documents
            .iter()
            .map(|document| {
                let mut file = File {
                    id: document.file,
                    name: self.stem(document.file),
                    doc: document.doc.clone(),
                    namespaces: Vec::new(),
                    includes: self.includes[document.file.index()]
                        .iter()
                        .flatten()
                        .copied()
                        .collect(),
                    cpp_includes: Vec::new(),
                    defs: Vec::new(),
                };
                for header in &document.headers {
                    match header {
                        Header::Namespace {
                            scope,
                            name,
                            annotations,
                        } => file.namespaces.push(Namespace {
                            scope: scope.name.clone(),
                            name: name.name.clone(),
                            annotations: annotations.clone(),
                        }),
                        Header::CppInclude { path, .. } => file.cpp_includes.push(path.clone()),
                        Header::Include { .. } => {}
                    }
                }
                file
            })
            .collect();
        for def in &self.defs {
            files[def.file.index()].defs.push(def.id);
        }
        files
    }
}

/// The namespace declarations of a document, as a comparable set.
fn namespace_set(document: &ast::Document) -> Vec<(&str, &str)> {
    let mut set: Vec<(&str, &str)> = document
        .headers
        .iter()
        .filter_map(|header| match header {
            Header::Namespace { scope, name, .. } => {
                Some((scope.name.as_str(), name.name.as_str()))
            }
            _ => None,
        })
        .collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// "a struct", "an enum", … for messages about syntax-level definitions.
fn describe_ast(kind: &DefinitionKind) -> &'static str {
    match kind {
        DefinitionKind::Const { .. } => "a constant",
        DefinitionKind::Typedef { .. } => "a typedef",
        DefinitionKind::Enum { .. } => "an enum",
        DefinitionKind::Struct {
            kind: StructKind::Struct,
            ..
        } => "a struct",
        DefinitionKind::Struct {
            kind: StructKind::Union,
            ..
        } => "a union",
        DefinitionKind::Struct {
            kind: StructKind::Exception,
            ..
        } => "an exception",
        DefinitionKind::Service { .. } => "a service",
    }
}

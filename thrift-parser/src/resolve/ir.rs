//! The resolved model of a set of IDL files: what the code generator consumes.
//!
//! Every definition of every loaded file gets a [`DefId`]; types and constant references point
//! at definitions by id, never by name. Typedefs stay in the model (a field declared as
//! `UserId` refers to the typedef `UserId`), so generated code can use the alias;
//! [`Program::true_type`] looks through them.

use std::path::Path;

pub use crate::ast::{Annotation, BaseType, Requiredness, StructKind};
use crate::source::{FileId, SourceMap, Span};

/// Identifies one definition in a [`Program`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub(crate) u32);

impl DefId {
    /// The index of this definition in [`Program::defs`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// All loaded files and their definitions, resolved and checked.
#[derive(Debug)]
pub struct Program {
    /// The text of every file, for diagnostics.
    pub sources: SourceMap,
    /// One entry per loaded file, indexed by [`FileId::index`].
    pub files: Vec<File>,
    /// Every definition of every file, indexed by [`DefId::index`].
    pub defs: Vec<Def>,
    /// The files named by the caller (the others were reached through includes).
    pub roots: Vec<FileId>,
}

/// One IDL file.
#[derive(Debug)]
pub struct File {
    /// Its id.
    pub id: FileId,
    /// The name other files use to refer to its definitions: the file name without
    /// `.thrift` (`shared` for `shared.thrift`, so `shared.Thing`).
    pub name: String,
    /// The file's own doc comment.
    pub doc: Option<String>,
    /// `namespace` declarations in order.
    pub namespaces: Vec<Namespace>,
    /// The files it includes directly, in order.
    pub includes: Vec<FileId>,
    /// `cpp_include` headers.
    pub cpp_includes: Vec<String>,
    /// Its definitions in IDL order.
    pub defs: Vec<DefId>,
}

/// A `namespace` declaration.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// The language scope (`rs`, `java`, `*`, …).
    pub scope: String,
    /// The namespace.
    pub name: String,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
}

/// One definition.
#[derive(Debug)]
pub struct Def {
    /// Its id.
    pub id: DefId,
    /// The file it is in.
    pub file: FileId,
    /// Its name.
    pub name: String,
    /// The span of its name.
    pub span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
    /// What it is.
    pub kind: DefKind,
}

/// What a definition is.
#[derive(Debug)]
pub enum DefKind {
    /// `const`.
    Const(Const),
    /// `typedef`.
    Typedef(Typedef),
    /// `enum`.
    Enum(Enum),
    /// `struct`, `union` or `exception`.
    Struct(Struct),
    /// `service`.
    Service(Service),
}

impl DefKind {
    /// "struct", "enum", … for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            DefKind::Const(_) => "constant",
            DefKind::Typedef(_) => "typedef",
            DefKind::Enum(_) => "enum",
            DefKind::Struct(s) => s.kind.as_str(),
            DefKind::Service(_) => "service",
        }
    }
}

/// A resolved type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// A built-in scalar type.
    Base(BaseType),
    /// `list<T>`.
    List(Box<Type>),
    /// `set<T>`.
    Set(Box<Type>),
    /// `map<K, V>`.
    Map(Box<Type>, Box<Type>),
    /// A typedef, enum, struct, union or exception.
    Def(DefId),
    /// A reference that could not be resolved. Present only when the diagnostics hold an error.
    Error,
}

/// `const Type NAME = value`.
#[derive(Debug)]
pub struct Const {
    /// The declared type.
    pub ty: Type,
    /// The evaluated value, checked against the type.
    pub value: ConstValue,
}

/// `typedef Type Name`.
#[derive(Debug)]
pub struct Typedef {
    /// The aliased type (possibly another typedef).
    pub target: Type,
}

/// `enum Name { … }`.
#[derive(Debug)]
pub struct Enum {
    /// The values in IDL order, with numbers assigned.
    pub values: Vec<EnumValue>,
}

/// One enum value.
#[derive(Debug)]
pub struct EnumValue {
    /// Its name.
    pub name: String,
    /// Its number, explicit or assigned (previous + 1, starting at 0).
    pub value: i32,
    /// Its doc comment.
    pub doc: Option<String>,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
    /// The span of its name.
    pub span: Span,
}

/// `struct`, `union` or `exception`.
#[derive(Debug)]
pub struct Struct {
    /// Which of the three.
    pub kind: StructKind,
    /// The fields in IDL order.
    pub fields: Vec<Field>,
}

/// A field, parameter or `throws` entry.
#[derive(Debug)]
pub struct Field {
    /// The field id; negative when it was assigned automatically.
    pub id: i16,
    /// True when the IDL gave no id and one was assigned (with a warning).
    pub auto_id: bool,
    /// Its name as written.
    pub name: String,
    /// The span of the whole field.
    pub span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
    /// Required, optional or default. Union fields are always optional.
    pub requiredness: Requiredness,
    /// Its type.
    pub ty: Type,
    /// Its default value, checked against the type.
    pub default: Option<ConstValue>,
    /// `&` was written (a C++ reference field).
    pub reference: bool,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
}

/// `service Name [channel N] [extends Base] { … }`.
#[derive(Debug)]
pub struct Service {
    /// The channel id (our extension); 0 when not written.
    pub channel: u8,
    /// The base service.
    pub extends: Option<DefId>,
    /// The service's own functions, in IDL order (inherited ones are on the base).
    pub functions: Vec<Function>,
}

/// A service function.
#[derive(Debug)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// The span of its name.
    pub span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
    /// `oneway`: the client sends and expects no reply.
    pub oneway: bool,
    /// The return type; `None` for `void`.
    pub returns: Option<Type>,
    /// The parameters.
    pub params: Vec<Field>,
    /// The declared exceptions.
    pub throws: Vec<Field>,
    /// Its annotations.
    pub annotations: Vec<Annotation>,
}

/// A constant value, evaluated and checked against the type it is used at.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    /// A `bool`.
    Bool(bool),
    /// Any integer type; the value fits the type it was checked against.
    Int(i64),
    /// A `double`.
    Double(f64),
    /// A `string` or `binary`.
    String(String),
    /// A `uuid`, as 16 bytes in RFC 4122 order.
    Uuid([u8; 16]),
    /// A value of an enum: the enum and the number.
    Enum {
        /// The enum.
        def: DefId,
        /// The number.
        value: i32,
    },
    /// A `list` or `set`.
    List(Vec<ConstValue>),
    /// A `map`, in the order written.
    Map(Vec<(ConstValue, ConstValue)>),
    /// A struct, union or exception, written as a map of field names.
    Struct {
        /// The struct.
        def: DefId,
        /// (index into the struct's fields, value) in the order written.
        fields: Vec<(usize, ConstValue)>,
    },
}

impl Program {
    /// The definition behind `id`.
    pub fn def(&self, id: DefId) -> &Def {
        &self.defs[id.index()]
    }

    /// The file behind `id`.
    pub fn file(&self, id: FileId) -> &File {
        &self.files[id.index()]
    }

    /// The path of a file.
    pub fn path(&self, id: FileId) -> &Path {
        self.sources.get(id).path()
    }

    /// `ty` with every typedef looked through.
    pub fn true_type<'a>(&'a self, mut ty: &'a Type) -> &'a Type {
        // Typedef cycles are rejected by the resolver, but stay safe on a broken program.
        for _ in 0..=self.defs.len() {
            match ty {
                Type::Def(id) => match &self.def(*id).kind {
                    DefKind::Typedef(typedef) => ty = &typedef.target,
                    _ => return ty,
                },
                _ => return ty,
            }
        }
        &Type::Error
    }

    /// Finds a definition of a file by name.
    pub fn find(&self, file: FileId, name: &str) -> Option<DefId> {
        self.file(file)
            .defs
            .iter()
            .copied()
            .find(|&id| self.def(id).name == name)
    }

    /// The namespace a file declares for `scope` (falling back to `*`).
    pub fn namespace(&self, file: FileId, scope: &str) -> Option<&str> {
        let namespaces = &self.file(file).namespaces;
        namespaces
            .iter()
            .find(|ns| ns.scope == scope)
            .or_else(|| namespaces.iter().find(|ns| ns.scope == "*"))
            .map(|ns| ns.name.as_str())
    }
}

//! The syntax tree: what one file says, exactly as written, with spans. No logic lives here.
//!
//! Names are unresolved strings; the resolver (`crate::resolve`) turns them into references.

use crate::source::{FileId, Span};

/// A name as written, with its place.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text, possibly dotted (`shared.Type`, `Enum.VALUE`).
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// One `key = "value"` inside an annotation list `( … )`.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// The key, possibly dotted (`cpp.type`).
    pub key: Ident,
    /// The value; Thrift allows a bare key, which means `"1"`.
    pub value: Option<String>,
    /// From the key to the end of the value.
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The file.
    pub file: FileId,
    /// A doc comment at the very top that belongs to the file, not to the first definition.
    pub doc: Option<String>,
    /// `include`, `cpp_include` and `namespace` lines, in order.
    pub headers: Vec<Header>,
    /// Everything after the headers, in order.
    pub definitions: Vec<Definition>,
}

/// A header line.
#[derive(Clone, Debug, PartialEq)]
pub enum Header {
    /// `include "path.thrift"`.
    Include {
        /// The path as written.
        path: String,
        /// The span of the path literal.
        span: Span,
    },
    /// `cpp_include "header.h"`.
    CppInclude {
        /// The header as written.
        path: String,
        /// The span of the literal.
        span: Span,
    },
    /// `namespace scope name (annotations)`; scope is `*` for every language.
    Namespace {
        /// The language scope (`rs`, `java`, `*`, …).
        scope: Ident,
        /// The namespace, usually dotted.
        name: Ident,
        /// Annotations after the name.
        annotations: Vec<Annotation>,
    },
}

/// A top-level definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The `/** … */` comment before it.
    pub doc: Option<String>,
    /// Its name.
    pub name: Ident,
    /// What it defines.
    pub kind: DefinitionKind,
    /// Annotations after the definition.
    pub annotations: Vec<Annotation>,
    /// From the first keyword to the end.
    pub span: Span,
}

/// What a definition defines.
#[derive(Clone, Debug, PartialEq)]
pub enum DefinitionKind {
    /// `const Type NAME = value`.
    Const {
        /// The declared type.
        ty: TypeExpr,
        /// The value as written.
        value: ConstExpr,
    },
    /// `typedef Type Name`.
    Typedef {
        /// The aliased type.
        ty: TypeExpr,
    },
    /// `enum Name { A = 1, B }`.
    Enum {
        /// The values, in order.
        values: Vec<EnumValue>,
    },
    /// `struct`, `union` or `exception`.
    Struct {
        /// Which of the three.
        kind: StructKind,
        /// The fields, in order.
        fields: Vec<Field>,
        /// `xsd_all` was written after the name.
        xsd_all: bool,
    },
    /// `service Name [channel N] [extends Base] { functions }`.
    Service {
        /// The channel id of our extension; `None` when not written (channel 0).
        channel: Option<(i64, Span)>,
        /// The base service, as written.
        extends: Option<Ident>,
        /// The functions, in order.
        functions: Vec<Function>,
    },
}

/// The three struct-like definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StructKind {
    /// `struct`.
    Struct,
    /// `union`: at most one field set at a time.
    Union,
    /// `exception`.
    Exception,
}

impl StructKind {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            StructKind::Struct => "struct",
            StructKind::Union => "union",
            StructKind::Exception => "exception",
        }
    }
}

/// One enum value.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    /// Its doc comment.
    pub doc: Option<String>,
    /// Its name.
    pub name: Ident,
    /// The explicit value, with the span of the number.
    pub value: Option<(i64, Span)>,
    /// Annotations after it.
    pub annotations: Vec<Annotation>,
}

/// `required`, `optional` or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requiredness {
    /// `required`: must be present on the wire.
    Required,
    /// `optional`: may be absent.
    Optional,
    /// Neither written ("default requiredness": written always, may be absent when read).
    Default,
}

/// A field of a struct, union or exception, a function parameter or a `throws` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Its doc comment.
    pub doc: Option<String>,
    /// The id as written (`3:`), with its span; `None` when the id was left out.
    pub id: Option<(i64, Span)>,
    /// The requiredness keyword, with its span when written.
    pub requiredness: (Requiredness, Option<Span>),
    /// The type.
    pub ty: TypeExpr,
    /// `&` was written before the name (a C++ reference field).
    pub reference: bool,
    /// The name (keywords are allowed here, as in Apache Thrift 0.18+).
    pub name: Ident,
    /// `= value`.
    pub default: Option<ConstExpr>,
    /// `xsd_optional`, `xsd_nillable`, `xsd_attrs { … }`: accepted and kept, meaningless to us.
    pub xsd: XsdFlags,
    /// Annotations after the field.
    pub annotations: Vec<Annotation>,
    /// The whole field.
    pub span: Span,
}

/// The XML-schema flags of a field, an Apache Thrift relic.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct XsdFlags {
    /// `xsd_optional`.
    pub optional: bool,
    /// `xsd_nillable`.
    pub nillable: bool,
    /// `xsd_attrs { fields }`.
    pub attrs: Vec<Field>,
}

/// A function of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Its doc comment.
    pub doc: Option<String>,
    /// `oneway` (or the deprecated `async`) was written, with its span.
    pub oneway: Option<Span>,
    /// The return type; `None` for `void`.
    pub returns: Option<TypeExpr>,
    /// The span of the return type or `void`.
    pub returns_span: Span,
    /// Its name.
    pub name: Ident,
    /// Its parameters.
    pub params: Vec<Field>,
    /// Its `throws` list.
    pub throws: Vec<Field>,
    /// The span of the `throws` keyword, when written.
    pub throws_span: Option<Span>,
    /// Annotations after it.
    pub annotations: Vec<Annotation>,
    /// The whole function.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// What type.
    pub kind: TypeExprKind,
    /// Annotations right after the type (allowed on base and container types).
    pub annotations: Vec<Annotation>,
    /// `cpp_type "…"` on a container.
    pub cpp_type: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// The built-in scalar types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BaseType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    Double,
    String,
    Binary,
    Uuid,
    /// A file descriptor (our extension). Not a keyword: the parser reads `fd` as a named
    /// type, and the resolver makes it this built-in type unless the file defines a type
    /// called `fd`.
    Fd,
}

impl BaseType {
    /// The IDL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseType::Bool => "bool",
            BaseType::I8 => "i8",
            BaseType::I16 => "i16",
            BaseType::I32 => "i32",
            BaseType::I64 => "i64",
            BaseType::Double => "double",
            BaseType::String => "string",
            BaseType::Binary => "binary",
            BaseType::Uuid => "uuid",
            BaseType::Fd => "fd",
        }
    }
}

/// The shape of a [`TypeExpr`].
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// A built-in type (`byte` is read as `i8`).
    Base(BaseType),
    /// A named type, possibly qualified by an include (`shared.Thing`). The built-in `fd` is
    /// one too until the resolver has seen the file's own names.
    Named(Ident),
    /// `list<T>`.
    List(Box<TypeExpr>),
    /// `set<T>`.
    Set(Box<TypeExpr>),
    /// `map<K, V>`.
    Map(Box<TypeExpr>, Box<TypeExpr>),
}

/// A constant value as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstExpr {
    /// What value.
    pub kind: ConstExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The shape of a [`ConstExpr`].
#[derive(Clone, Debug, PartialEq)]
pub enum ConstExprKind {
    /// An integer (`true`/`false` included, as 1/0).
    Int(i64),
    /// A double.
    Double(f64),
    /// A string literal.
    Literal(String),
    /// A name: another constant, or an enum value (`Color.RED`, `inc.Color.RED`).
    Ident(String),
    /// `[a, b, c]`.
    List(Vec<ConstExpr>),
    /// `{k: v, …}`; also how struct constants are written.
    Map(Vec<(ConstExpr, ConstExpr)>),
}

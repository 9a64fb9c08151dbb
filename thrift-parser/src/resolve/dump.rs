//! A compact, deterministic text form of a [`Program`], for snapshot tests and debugging.
//!
//! One line per definition, field, enum value and function; types and values are written the
//! way IDL writes them, with typedefs and references shown by name.

use std::fmt::Write as _;

use super::ir::{ConstValue, Def, DefKind, Field, Program, Requiredness, Type};

impl Program {
    /// The program as indented text: files, then their definitions in IDL order.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for file in &self.files {
            let _ = writeln!(out, "file {}", file.name);
            if let Some(doc) = &file.doc {
                let _ = writeln!(out, "  doc {doc:?}");
            }
            for ns in &file.namespaces {
                let _ = writeln!(out, "  namespace {} {}", ns.scope, ns.name);
            }
            for &include in &file.includes {
                let _ = writeln!(out, "  include {}", self.file(include).name);
            }
            for &def in &file.defs {
                self.dump_def(&mut out, self.def(def));
            }
        }
        out
    }

    fn dump_def(&self, out: &mut String, def: &Def) {
        let annotations = annotations(&def.annotations);
        match &def.kind {
            DefKind::Const(c) => {
                let _ = writeln!(
                    out,
                    "  const {} {} = {}",
                    self.type_name(&c.ty),
                    def.name,
                    self.value(&c.value)
                );
            }
            DefKind::Typedef(t) => {
                let _ = writeln!(
                    out,
                    "  typedef {} = {}{annotations}",
                    def.name,
                    self.type_name(&t.target)
                );
            }
            DefKind::Enum(e) => {
                let _ = writeln!(out, "  enum {}{annotations}", def.name);
                for value in &e.values {
                    let _ = writeln!(
                        out,
                        "    {} = {}{}",
                        value.name,
                        value.value,
                        self::annotations(&value.annotations)
                    );
                }
            }
            DefKind::Struct(s) => {
                let _ = writeln!(out, "  {} {}{annotations}", s.kind.as_str(), def.name);
                for field in &s.fields {
                    self.dump_field(out, "    ", field);
                }
            }
            DefKind::Service(s) => {
                let extends = s
                    .extends
                    .map(|base| format!(" extends {}", self.def(base).name))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  service {} channel {}{extends}{annotations}",
                    def.name, s.channel
                );
                for function in &s.functions {
                    let returns = function
                        .returns
                        .as_ref()
                        .map_or("void".to_string(), |t| self.type_name(t));
                    let oneway = if function.oneway { "oneway " } else { "" };
                    let _ = writeln!(
                        out,
                        "    {oneway}{returns} {}(){}",
                        function.name,
                        self::annotations(&function.annotations)
                    );
                    for param in &function.params {
                        self.dump_field(out, "      arg ", param);
                    }
                    for throws in &function.throws {
                        self.dump_field(out, "      throws ", throws);
                    }
                }
            }
        }
        if let Some(doc) = &def.doc {
            let _ = writeln!(out, "    doc {doc:?}");
        }
    }

    fn dump_field(&self, out: &mut String, indent: &str, field: &Field) {
        let requiredness = match field.requiredness {
            Requiredness::Required => "required ",
            Requiredness::Optional => "optional ",
            Requiredness::Default => "",
        };
        let auto = if field.auto_id { " (auto id)" } else { "" };
        let default = field
            .default
            .as_ref()
            .map(|v| format!(" = {}", self.value(v)))
            .unwrap_or_default();
        let reference = if field.reference { "&" } else { "" };
        let _ = writeln!(
            out,
            "{indent}{}: {requiredness}{} {reference}{}{default}{auto}{}",
            field.id,
            self.type_name(&field.ty),
            field.name,
            annotations(&field.annotations)
        );
        if let Some(doc) = &field.doc {
            let _ = writeln!(out, "{indent}  doc {doc:?}");
        }
    }

    /// A type as IDL would write it, qualified by file when it comes from another file.
    pub fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Base(base) => base.as_str().to_string(),
            Type::List(elem) => format!("list<{}>", self.type_name(elem)),
            Type::Set(elem) => format!("set<{}>", self.type_name(elem)),
            Type::Map(key, value) => {
                format!("map<{}, {}>", self.type_name(key), self.type_name(value))
            }
            Type::Def(id) => {
                let def = self.def(*id);
                format!("{}.{}", self.file(def.file).name, def.name)
            }
            Type::Error => "<error>".to_string(),
        }
    }

    fn value(&self, value: &ConstValue) -> String {
        match value {
            ConstValue::Bool(b) => b.to_string(),
            ConstValue::Int(i) => i.to_string(),
            ConstValue::Double(d) => format!("{d:?}"),
            ConstValue::String(s) => format!("{s:?}"),
            ConstValue::Uuid(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            ConstValue::Enum { def, value } => format!("{}({value})", self.def(*def).name),
            ConstValue::List(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|v| self.value(v))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            ConstValue::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", self.value(k), self.value(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ConstValue::Struct { def, fields } => {
                let DefKind::Struct(s) = &self.def(*def).kind else {
                    return "?".to_string();
                };
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(index, v)| format!("{}: {}", s.fields[*index].name, self.value(v)))
                    .collect();
                format!("{} {{{}}}", self.def(*def).name, fields.join(", "))
            }
        }
    }
}

fn annotations(list: &[super::ir::Annotation]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let items: Vec<String> = list
        .iter()
        .map(|a| match &a.value {
            Some(value) => format!("{} = {value:?}", a.key.name),
            None => a.key.name.clone(),
        })
        .collect();
    format!(" ({})", items.join(", "))
}

//! Our two IDL extensions spelled as annotations, which Apache Thrift's compiler parses and
//! ignores, so one file serves both compilers:
//!
//! - `i32 (rs.fd = "true")` is the type `fd` (a descriptor's wire form is an `i32`: an index
//!   into the descriptors sent with the message), on a field, argument, return type, container
//!   element or typedef (`typedef i32 (rs.fd = "true") Fd`);
//! - `service Name { … } (rs.channel = "3")` is `service Name channel 3 { … }`.
//!
//! The native spellings stay; both give the same program. Misplaced or malformed annotations
//! are errors rather than silently plain integers or channel 0.

use super::Resolver;
use super::ir::Type;
use crate::ast::{Annotation, BaseType};
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Marks an `i32` as a file descriptor.
const FD: &str = "rs.fd";
/// Puts a service on a channel.
const CHANNEL: &str = "rs.channel";

impl Resolver<'_, '_> {
    /// The type a base type with `annotations` stands for: `fd` for an `i32` marked `rs.fd`.
    pub(super) fn annotated_base(&mut self, base: BaseType, annotations: &[Annotation]) -> Type {
        let Some(annotation) = annotations.iter().find(|a| a.key.name == FD) else {
            return Type::Base(base);
        };
        // A bare key means "1" in Apache Thrift.
        let marked = match annotation.value.as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                self.error(
                    annotation.span,
                    format!("`{FD}` is \"true\" or \"false\", not \"{other}\""),
                );
                return Type::Error;
            }
        };
        match base {
            BaseType::I32 if marked => Type::Base(BaseType::Fd),
            BaseType::I32 => Type::Base(base),
            _ => {
                self.diagnostics.push(
                    Diagnostic::error(
                        annotation.span,
                        format!("`{FD}` marks an `i32`, not `{}`", base.as_str()),
                    )
                    .with_note("a descriptor travels as an `i32`: write `i32 (rs.fd = \"true\")`"),
                );
                Type::Error
            }
        }
    }

    /// Reports `rs.fd` written where it would be ignored: on a field, a typedef's name or a
    /// container type, instead of on the `i32` itself.
    pub(super) fn check_misplaced_fd(&mut self, annotations: &[Annotation], on: &str) {
        for annotation in annotations.iter().filter(|a| a.key.name == FD) {
            self.diagnostics.push(
                Diagnostic::error(annotation.span, format!("`{FD}` on {on} means nothing"))
                    .with_note("it marks the type: `1: i32 (rs.fd = \"true\") file`, `typedef i32 (rs.fd = \"true\") Fd`"),
            );
        }
    }

    /// A service's channel: `channel N` after its name, or `rs.channel` after its body.
    pub(super) fn service_channel(
        &mut self,
        native: Option<(i64, Span)>,
        annotations: &[Annotation],
    ) -> u8 {
        let native_channel = native.map_or(0, |(value, _)| u8::try_from(value).unwrap_or(0));
        let Some(annotation) = annotations.iter().find(|a| a.key.name == CHANNEL) else {
            return native_channel;
        };
        if let Some((_, span)) = native {
            self.diagnostics.push(
                Diagnostic::error(annotation.span, "the channel is given twice")
                    .with_secondary(span, "also given here")
                    .with_note("write `channel N` after the name or `(rs.channel = \"N\")` after the body, not both"),
            );
            return native_channel;
        }
        let value = annotation.value.as_deref().unwrap_or("1");
        match value.parse::<u8>() {
            Ok(channel) => channel,
            Err(_) => {
                self.error(
                    annotation.span,
                    format!("`{CHANNEL}` is a channel id, a number from 0 to 255, not \"{value}\""),
                );
                0
            }
        }
    }
}

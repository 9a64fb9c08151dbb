//! Encoding by hand, so that lengths, counts, types and versions can lie.

use thrift_rt::ProtocolKind;

use crate::combos::Proto;

// Message types on the wire.
pub(crate) const CALL: u8 = 1;
pub(crate) const REPLY: u8 = 2;
pub(crate) const EXCEPTION: u8 = 3;
pub(crate) const ONEWAY: u8 = 4;

/// Wire types, with an id no protocol knows.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    I8,
    I32,
    I64,
    Str,
    Struct,
    List,
    Set,
    Map,
    Bogus,
}

impl Ty {
    fn binary(self) -> u8 {
        match self {
            Ty::I8 => 3,
            Ty::I32 => 8,
            Ty::I64 => 10,
            Ty::Str => 11,
            Ty::Struct => 12,
            Ty::Map => 13,
            Ty::Set => 14,
            Ty::List => 15,
            Ty::Bogus => 0x63,
        }
    }

    pub(crate) fn compact(self) -> u8 {
        match self {
            Ty::I8 => 3,
            Ty::I32 => 5,
            Ty::I64 => 6,
            Ty::Str => 8,
            Ty::List => 9,
            Ty::Set => 10,
            Ty::Map => 11,
            Ty::Struct => 12,
            Ty::Bogus => 14,
        }
    }

    fn json(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::Str => "str",
            Ty::Struct => "rec",
            Ty::List => "lst",
            Ty::Set => "set",
            Ty::Map => "map",
            Ty::Bogus => "zzz",
        }
    }
}

pub(crate) fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn zigzag32(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Encoders that write whatever they are told, lies included.
impl Proto {
    pub(crate) fn kind(self) -> ProtocolKind {
        match self {
            Proto::Binary => ProtocolKind::Binary,
            Proto::Compact => ProtocolKind::Compact,
            Proto::Json => ProtocolKind::Json,
        }
    }

    /// A message header with a chosen version byte (1 is the valid one for each protocol).
    pub(crate) fn header_version(self, name: &[u8], kind: u8, seqid: i32, version: u8) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[
                &[0x80, version, 0, kind],
                &(name.len() as i32).to_be_bytes(),
                name,
                &seqid.to_be_bytes(),
            ]),
            Proto::Compact => cat(&[
                &[0x82, (kind << 5) | version],
                &varint(u64::from(seqid as u32)),
                &varint(name.len() as u64),
                name,
            ]),
            Proto::Json => cat(&[
                format!("[{version},\"").as_bytes(),
                name,
                format!("\",{kind},{seqid},").as_bytes(),
            ]),
        }
    }

    pub(crate) fn header(self, name: &[u8], kind: u8, seqid: i32) -> Vec<u8> {
        self.header_version(name, kind, seqid, 1)
    }

    /// A whole message: header, the body (a struct), and JSON's closing bracket.
    pub(crate) fn message(self, name: &[u8], kind: u8, seqid: i32, body: &[u8]) -> Vec<u8> {
        self.finish(self.header(name, kind, seqid), body)
    }

    pub(crate) fn finish(self, header: Vec<u8>, body: &[u8]) -> Vec<u8> {
        let mut out = header;
        out.extend_from_slice(body);
        if self == Proto::Json {
            out.push(b']');
        }
        out
    }

    pub(crate) fn call(self, name: &str, seqid: i32, fields: &[Vec<u8>]) -> Vec<u8> {
        self.message(name.as_bytes(), CALL, seqid, &self.strukt(fields))
    }

    /// A struct holding `fields` (each from [`Proto::field`]).
    pub(crate) fn strukt(self, fields: &[Vec<u8>]) -> Vec<u8> {
        match self {
            Proto::Binary | Proto::Compact => {
                let mut out = fields.concat();
                out.push(0);
                out
            }
            Proto::Json => cat(&[b"{", &fields.join(&b","[..]), b"}"]),
        }
    }

    pub(crate) fn field(self, id: i16, ty: Ty, value: &[u8]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[&[ty.binary()], &id.to_be_bytes(), value]),
            // Always the long form (type, then the id as a zigzag varint): it does not depend
            // on the previous field's id.
            Proto::Compact => cat(&[
                &[ty.compact()],
                &varint(u64::from(((id << 1) ^ (id >> 15)) as u16)),
                value,
            ]),
            Proto::Json => cat(&[
                format!("\"{id}\":{{\"{}\":", ty.json()).as_bytes(),
                value,
                b"}",
            ]),
        }
    }

    fn i8v(self, v: i8) -> Vec<u8> {
        match self {
            Proto::Binary | Proto::Compact => vec![v as u8],
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    pub(crate) fn i32v(self, v: i32) -> Vec<u8> {
        match self {
            Proto::Binary => v.to_be_bytes().to_vec(),
            Proto::Compact => varint(zigzag32(v)),
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    fn i64v(self, v: i64) -> Vec<u8> {
        match self {
            Proto::Binary => v.to_be_bytes().to_vec(),
            Proto::Compact => varint(zigzag64(v)),
            Proto::Json => v.to_string().into_bytes(),
        }
    }

    /// A map key of type i32 (JSON quotes keys).
    pub(crate) fn key_i32(self, v: i32) -> Vec<u8> {
        match self {
            Proto::Json => format!("\"{v}\"").into_bytes(),
            _ => self.i32v(v),
        }
    }

    /// A string or binary claiming `claimed` bytes (JSON has no lengths: the bytes, quoted).
    pub(crate) fn strv(self, claimed: i64, bytes: &[u8]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[&(claimed as i32).to_be_bytes(), bytes]),
            Proto::Compact => cat(&[&varint(u64::from(claimed as i32 as u32)), bytes]),
            Proto::Json => cat(&[b"\"", bytes, b"\""]),
        }
    }

    pub(crate) fn string(self, s: &str) -> Vec<u8> {
        self.strv(s.len() as i64, s.as_bytes())
    }

    /// A list (or set) of `elem` claiming `claimed` elements, holding `elems`.
    pub(crate) fn listv(self, elem: Ty, claimed: i64, elems: &[Vec<u8>]) -> Vec<u8> {
        match self {
            Proto::Binary => cat(&[
                &[elem.binary()],
                &(claimed as i32).to_be_bytes(),
                &elems.concat(),
            ]),
            Proto::Compact => {
                let head = if (0..15).contains(&claimed) {
                    vec![((claimed as u8) << 4) | elem.compact()]
                } else {
                    cat(&[
                        &[0xf0 | elem.compact()],
                        &varint(u64::from(claimed as i32 as u32)),
                    ])
                };
                cat(&[&head, &elems.concat()])
            }
            Proto::Json => {
                let mut out = format!("[\"{}\",{claimed}", elem.json()).into_bytes();
                for e in elems {
                    out.push(b',');
                    out.extend_from_slice(e);
                }
                out.push(b']');
                out
            }
        }
    }

    /// A map claiming `claimed` entries, holding `entries`.
    pub(crate) fn mapv(
        self,
        key: Ty,
        value: Ty,
        claimed: i64,
        entries: &[(Vec<u8>, Vec<u8>)],
    ) -> Vec<u8> {
        match self {
            Proto::Binary => {
                let mut out = cat(&[
                    &[key.binary(), value.binary()],
                    &(claimed as i32).to_be_bytes(),
                ]);
                for (k, v) in entries {
                    out.extend_from_slice(k);
                    out.extend_from_slice(v);
                }
                out
            }
            Proto::Compact => {
                if claimed == 0 && entries.is_empty() {
                    return vec![0];
                }
                let mut out = cat(&[
                    &varint(u64::from(claimed as i32 as u32)),
                    &[(key.compact() << 4) | value.compact()],
                ]);
                for (k, v) in entries {
                    out.extend_from_slice(k);
                    out.extend_from_slice(v);
                }
                out
            }
            Proto::Json => {
                let pairs: Vec<Vec<u8>> = entries.iter().map(|(k, v)| cat(&[k, b":", v])).collect();
                cat(&[
                    format!("[\"{}\",\"{}\",{claimed},{{", key.json(), value.json()).as_bytes(),
                    &pairs.join(&b","[..]),
                    b"}]",
                ])
            }
        }
    }

    /// A struct value nested `levels` deep through field 99 (the innermost struct is empty).
    pub(crate) fn nested_structs(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[&[12u8, 0, 99].repeat(inner), &vec![0u8; levels]]),
            Proto::Compact => cat(&[&[12u8, 0xc6, 0x01].repeat(inner), &vec![0u8; levels]]),
            Proto::Json => cat(&[
                &br#"{"99":{"rec":"#.repeat(inner),
                b"{}",
                &b"}}".repeat(inner),
            ]),
        }
    }

    /// A list of lists ... nested `levels` deep (the innermost an empty `list<i32>`).
    pub(crate) fn nested_lists(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[&[15u8, 0, 0, 0, 1].repeat(inner), &[8, 0, 0, 0, 0]]),
            Proto::Compact => cat(&[&[0x19u8].repeat(inner), &[0x05]]),
            Proto::Json => cat(&[
                &br#"["lst",1,"#.repeat(inner),
                br#"["i32",0]"#,
                &b"]".repeat(inner),
            ]),
        }
    }

    /// A `map<i32, map<i32, ...>>` nested `levels` deep (the innermost empty).
    pub(crate) fn nested_maps(self, levels: usize) -> Vec<u8> {
        let inner = levels.saturating_sub(1);
        match self {
            Proto::Binary => cat(&[
                &[8u8, 13, 0, 0, 0, 1, 0, 0, 0, 1].repeat(inner),
                &[8, 8, 0, 0, 0, 0],
            ]),
            Proto::Compact => cat(&[&[0x01u8, 0x5b, 0x02].repeat(inner), &[0x00]]),
            Proto::Json => cat(&[
                &br#"["i32","map",1,{"1":"#.repeat(inner),
                br#"["i32","i32",0,{}]"#,
                &b"}]".repeat(inner),
            ]),
        }
    }

    // Valid calls.

    pub(crate) fn test_i32(self, seqid: i32, v: i32) -> Vec<u8> {
        self.call("testI32", seqid, &[self.field(1, Ty::I32, &self.i32v(v))])
    }

    pub(crate) fn test_string(self, seqid: i32, s: &str) -> Vec<u8> {
        self.call(
            "testString",
            seqid,
            &[self.field(1, Ty::Str, &self.string(s))],
        )
    }

    fn xtruct(self, s: &str, b: i8, i: i32, l: i64) -> Vec<u8> {
        self.strukt(&[
            self.field(1, Ty::Str, &self.string(s)),
            self.field(4, Ty::I8, &self.i8v(b)),
            self.field(9, Ty::I32, &self.i32v(i)),
            self.field(11, Ty::I64, &self.i64v(l)),
        ])
    }

    pub(crate) fn test_struct(self, seqid: i32) -> Vec<u8> {
        let x = self.xtruct("hostile", -3, 77, -1 << 40);
        self.call("testStruct", seqid, &[self.field(1, Ty::Struct, &x)])
    }

    pub(crate) fn test_nest(self, seqid: i32) -> Vec<u8> {
        let x2 = self.strukt(&[
            self.field(1, Ty::I8, &self.i8v(1)),
            self.field(2, Ty::Struct, &self.xtruct("inner", 2, 3, 4)),
            self.field(3, Ty::I32, &self.i32v(5)),
        ]);
        self.call("testNest", seqid, &[self.field(1, Ty::Struct, &x2)])
    }

    pub(crate) fn test_list(self, seqid: i32) -> Vec<u8> {
        let elems: Vec<Vec<u8>> = [-1, 0, 1, i32::MAX].map(|v| self.i32v(v)).to_vec();
        self.call(
            "testList",
            seqid,
            &[self.field(1, Ty::List, &self.listv(Ty::I32, 4, &elems))],
        )
    }

    pub(crate) fn test_map(self, seqid: i32) -> Vec<u8> {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = (0..3)
            .map(|i| (self.key_i32(i), self.i32v(i * 10)))
            .collect();
        self.call(
            "testMap",
            seqid,
            &[self.field(1, Ty::Map, &self.mapv(Ty::I32, Ty::I32, 3, &entries))],
        )
    }

    /// The length of the header of `message` (as built by [`Proto::header`] for `name`).
    pub(crate) fn header_len(self, name: &str, seqid: i32) -> usize {
        self.header(name.as_bytes(), CALL, seqid).len()
    }
}

//! Content codings: what the client accepts, the br and gzip renderings of a body (made once),
//! and the strong validator of each.

use std::io::Write as _;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use sha2::{Digest as _, Sha256};

/// Below this a compressed body is rarely smaller, and never worth the work.
const MIN_COMPRESSED: usize = 256;
/// Brotli quality for bodies compressed once and served many times: most of 11's gain at a
/// fraction of its time.
const BROTLI_QUALITY: u32 = 6;
const BROTLI_WINDOW: u32 = 22;
const GZIP_LEVEL: u32 = 6;

/// A content coding Dateline sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The best coding the request's `Accept-Encoding` allows: br, then gzip, else none.
    pub(crate) fn negotiate(headers: &HeaderMap) -> Self {
        let Some(accept) = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
        else {
            return Self::Identity;
        };
        let (mut br, mut gzip) = (false, false);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|param| {
                param
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            if name.eq_ignore_ascii_case("br") {
                br = true;
            } else if name.eq_ignore_ascii_case("gzip") || name == "*" {
                gzip = true;
            }
        }
        if br {
            Self::Brotli
        } else if gzip {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    pub(crate) fn header(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }

    /// Each coding is a different representation, so it has its own strong validator.
    fn tag_suffix(self) -> &'static str {
        match self {
            Self::Identity => "",
            Self::Gzip => "-gz",
            Self::Brotli => "-br",
        }
    }
}

/// A body in the codings it will be sent in, with the hash of its bytes.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub(crate) identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    hash: String,
}

impl Encoded {
    /// Every coding, made now: for a body served many times.
    pub(crate) fn all(body: Bytes) -> Self {
        let compress = body.len() >= MIN_COMPRESSED;
        Self {
            gzip: compress.then(|| gzip(&body)).flatten(),
            brotli: compress.then(|| brotli(&body)).flatten(),
            hash: hash(&body),
            identity: body,
        }
    }

    /// Only the coding this client takes: for a body served once.
    pub(crate) fn one(body: Bytes, coding: Coding) -> Self {
        let compress = body.len() >= MIN_COMPRESSED;
        Self {
            gzip: (compress && coding == Coding::Gzip)
                .then(|| gzip(&body))
                .flatten(),
            brotli: (compress && coding == Coding::Brotli)
                .then(|| brotli(&body))
                .flatten(),
            hash: hash(&body),
            identity: body,
        }
    }

    /// The hash of the bytes: the validator's opaque part, and what names a file's address
    /// (`ui.rs`).
    pub(crate) fn hash(&self) -> &str {
        &self.hash
    }

    /// The bytes to send for `wanted`, the coding they are in, and their quoted `ETag`.
    pub(crate) fn pick(&self, wanted: Coding) -> (Bytes, Coding, String) {
        let (body, coding) = match wanted {
            Coding::Brotli => self
                .brotli
                .as_ref()
                .map(|bytes| (bytes.clone(), Coding::Brotli)),
            Coding::Gzip => self
                .gzip
                .as_ref()
                .map(|bytes| (bytes.clone(), Coding::Gzip)),
            Coding::Identity => None,
        }
        .unwrap_or_else(|| (self.identity.clone(), Coding::Identity));
        let tag = format!("\"{}{}\"", self.hash, coding.tag_suffix());
        (body, coding, tag)
    }

    /// Whether `If-None-Match` names this body in any coding (the comparison is weak, as
    /// RFC 9110 asks for `If-None-Match`).
    pub(crate) fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').any(|candidate| {
            let candidate = candidate.trim();
            if candidate == "*" {
                return true;
            }
            let opaque = candidate
                .strip_prefix("W/")
                .unwrap_or(candidate)
                .trim_matches('"');
            let opaque = opaque
                .strip_suffix("-gz")
                .or_else(|| opaque.strip_suffix("-br"))
                .unwrap_or(opaque);
            opaque == self.hash
        })
    }

    /// Bytes held, for the cache's weigher.
    pub(crate) fn weight(&self) -> usize {
        self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.brotli.as_ref().map_or(0, Bytes::len)
    }
}

/// The first 128 bits of SHA-256, in hex.
fn hash(body: &[u8]) -> String {
    hex::encode(&Sha256::digest(body)[..16])
}

/// `None` when compressing does not make the body smaller (or fails, which writing to memory
/// does not).
fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::new(GZIP_LEVEL),
    );
    encoder.write_all(body).ok()?;
    let compressed = encoder.finish().ok()?;
    (compressed.len() < body.len()).then(|| Bytes::from(compressed))
}

fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut compressed = Vec::with_capacity(body.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut compressed, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(body).ok()?;
        writer.flush().ok()?;
    }
    (compressed.len() < body.len()).then(|| Bytes::from(compressed))
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use axum::http::HeaderValue;

    use super::*;

    fn accepting(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn brotli_is_preferred_and_a_zero_weight_refuses() {
        assert_eq!(
            Coding::negotiate(&accepting("gzip, deflate, br")),
            Coding::Brotli
        );
        assert_eq!(Coding::negotiate(&accepting("gzip, br;q=0")), Coding::Gzip);
        assert_eq!(Coding::negotiate(&accepting("identity")), Coding::Identity);
        assert_eq!(Coding::negotiate(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn each_coding_has_its_own_tag_and_all_match_a_conditional_request() {
        let body = Bytes::from("기사 본문 ".repeat(200));
        let encoded = Encoded::all(body.clone());
        let (gz, coding, gz_tag) = encoded.pick(Coding::Gzip);
        assert_eq!(coding, Coding::Gzip);
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap_or_else(|_| unreachable!("gzip we made decodes"));
        assert_eq!(plain, body);
        let (_, _, br_tag) = encoded.pick(Coding::Brotli);
        let (_, _, tag) = encoded.pick(Coding::Identity);
        assert_ne!(gz_tag, tag);
        assert_ne!(br_tag, tag);
        assert!(encoded.matches(&gz_tag) && encoded.matches(&br_tag) && encoded.matches(&tag));
        assert!(!Encoded::all(Bytes::from("other")).matches(&tag));
    }

    #[test]
    fn small_bodies_go_uncompressed() {
        let encoded = Encoded::all(Bytes::from_static(b"{}"));
        assert_eq!(encoded.pick(Coding::Brotli).1, Coding::Identity);
    }
}

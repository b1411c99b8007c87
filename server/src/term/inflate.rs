//! Bounded zlib inflate for compressed terms (tag 80): never writes past a cap.

use flate2::{Decompress, FlushDecompress, Status};

use super::InvalidData;

/// Inflates `input` (a zlib stream) that claims to inflate to exactly `declared`
/// bytes. The caller has already checked `declared` against the limit; the output
/// buffer is exactly that size, so a zlib bomb stops when it is full.
pub(crate) fn inflate(input: &[u8], declared: usize) -> Result<Vec<u8>, InvalidData> {
    let mut out = vec![0u8; declared];
    let mut zlib = Decompress::new(true);
    let status = zlib
        .decompress(input, &mut out, FlushDecompress::Finish)
        .map_err(|_| InvalidData::new("compressed term: corrupt zlib stream"))?;
    let consumed = usize::try_from(zlib.total_in()).unwrap_or(usize::MAX);
    let produced = usize::try_from(zlib.total_out()).unwrap_or(usize::MAX);
    match status {
        Status::StreamEnd if produced == declared && consumed == input.len() => Ok(out),
        Status::StreamEnd if consumed != input.len() => Err(InvalidData::new(
            "compressed term: bytes after the zlib stream",
        )),
        Status::StreamEnd => Err(InvalidData::new(
            "compressed term: inflated size differs from the declared size",
        )),
        Status::Ok | Status::BufError if produced == declared => Err(InvalidData::new(
            "compressed term: inflates past the declared size",
        )),
        Status::Ok | Status::BufError => {
            Err(InvalidData::new("compressed term: truncated zlib stream"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::ZlibEncoder, Compression};
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn exact_size_inflates() {
        let z = zlib(b"hello hello hello");
        assert_eq!(inflate(&z, 17).unwrap(), b"hello hello hello");
    }

    #[test]
    fn bomb_stops_at_the_declared_size() {
        let z = zlib(&vec![0u8; 10 * 1024 * 1024]);
        let err = inflate(&z, 1000).unwrap_err();
        assert!(
            err.reason.contains("past the declared size"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn short_truncated_and_trailing_are_refused() {
        let z = zlib(b"abcdef");
        assert!(inflate(&z, 7).is_err());
        assert!(inflate(&z[..z.len() - 3], 6).is_err());
        let mut extra = z.clone();
        extra.push(0);
        assert!(inflate(&extra, 6).unwrap_err().reason.contains("after"));
        assert!(inflate(b"not zlib at all", 6).is_err());
    }
}

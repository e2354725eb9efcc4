//! A speaker's photo: decoded by the `image` crate within limits (dimensions, memory), turned
//! upright, scaled down and re-encoded, so that no metadata (EXIF, GPS, comments), no oversized
//! picture and no decompression bomb is ever stored or served.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The largest upload accepted, in bytes (a larger body is a 413).
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// The largest width or height decoded; a picture declaring more is refused before decoding.
pub const MAX_DIMENSION: u32 = 8000;
/// The most memory one decoded picture may take.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;
/// The stored photo fits in a square this size.
pub const STORED_SIZE: u32 = 512;
const JPEG_QUALITY: u8 = 85;

/// A photo ready to store: re-encoded bytes, their type and size, and the digest that names them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhoto {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhotoError {
    #[error("must be a PNG, JPEG or WebP picture")]
    NotAnImage,
    #[error("is too large: at most {MAX_DIMENSION}×{MAX_DIMENSION} pixels")]
    TooLarge,
    #[error("could not be read as a picture: {0}")]
    Corrupt(String),
}

/// The file extension a stored photo of this type is served with.
pub fn extension_of(content_type: &str) -> &'static str {
    if content_type == "image/png" {
        "png"
    } else {
        "jpg"
    }
}

/// The first 16 hex digits of the SHA-256 of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// Decodes the upload (its format guessed from its bytes, never from what the client says),
/// refusing anything but PNG, JPEG and WebP, and anything over the limits; turns it upright,
/// fits it in `STORED_SIZE` and re-encodes it: PNG when it has transparency, else JPEG.
/// CPU-bound: call it off the async threads.
pub fn process(upload: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    let reader = ImageReader::new(Cursor::new(upload))
        .with_guessed_format()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {}
        _ => return Err(PhotoError::NotAnImage),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = reader;
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(refused)?;
    // the decoded picture's buffer must fit the limit too (what `ImageReader::decode` checks)
    limits.reserve(decoder.total_bytes()).map_err(refused)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(refused)?;
    picture.apply_orientation(orientation);
    if picture.width() > STORED_SIZE || picture.height() > STORED_SIZE {
        picture = picture.thumbnail(STORED_SIZE, STORED_SIZE);
    }
    let mut bytes = Vec::new();
    let content_type = if picture.color().has_alpha() {
        picture
            .to_rgba8()
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        "image/png"
    } else {
        let rgb = picture.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(&rgb)
            .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
        "image/jpeg"
    };
    Ok(ProcessedPhoto {
        content_type,
        digest: digest_of(&bytes),
        width: picture.width(),
        height: picture.height(),
        bytes,
    })
}

/// Checks a photo as stored (from a backup document): a PNG or JPEG of its stated type, at most
/// `STORED_SIZE` square, that decodes within the limits. Returns its size; the bytes are kept
/// as they are, so that exporting an imported event gives the same document.
pub fn check_stored(bytes: &[u8], content_type: &str) -> Result<(u32, u32), PhotoError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    match (reader.format(), content_type) {
        (Some(ImageFormat::Png), "image/png") | (Some(ImageFormat::Jpeg), "image/jpeg") => {}
        _ => return Err(PhotoError::NotAnImage),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(STORED_SIZE);
    limits.max_image_height = Some(STORED_SIZE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    let mut reader = reader;
    reader.limits(limits);
    let picture = reader.decode().map_err(refused)?;
    Ok((picture.width(), picture.height()))
}

fn refused(e: image::ImageError) -> PhotoError {
    match e {
        image::ImageError::Limits(_) => PhotoError::TooLarge,
        image::ImageError::Unsupported(_) => PhotoError::NotAnImage,
        other => PhotoError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_picture_is_scaled_down_and_reencoded() {
        let picture = DynamicImage::new_rgb8(1200, 600);
        let mut png = Vec::new();
        picture
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let photo = process(&png).unwrap();
        assert_eq!((photo.width, photo.height), (512, 256));
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(photo.digest.len(), 16);
        assert_eq!(process(b"GIF89a not really"), Err(PhotoError::NotAnImage));
        assert_eq!(process(b"hello"), Err(PhotoError::NotAnImage));
    }
}

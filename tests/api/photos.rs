//! Speaker photos: `PUT`/`DELETE /api/v1/me/photo`, served under a URL that names the bytes
//! (cacheable for ever; a stale one is a 404). Uploads are decoded and re-encoded by the `image`
//! crate within limits: no metadata survives, and no hostile file (not a picture, a huge
//! declared size, a decompression bomb, a body over 2 MB) is stored or makes a 500.

use std::io::Cursor;
use std::time::Instant;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, api, field_error, person, send};

const PHOTO: &str = "/api/v1/me/photo";
const PROFILE: &str = "/api/v1/me/profile";

fn encode(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

fn gradient(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }))
}

/// Uploads `body`; (status, body as JSON or Null).
async fn upload(app: &TestApp, token: &str, body: Vec<u8>, content_type: &str) -> (u16, Value) {
    let response = app
        .new_client()
        .put(app.url(PHOTO))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    let problem_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if status >= 400 {
        assert_eq!(
            problem_type.as_deref(),
            Some("application/problem+json"),
            "{status}: {text}"
        );
    }
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// (status, content type, cache-control, bytes) of a photo URL, anonymously.
async fn fetch(app: &TestApp, url: &str) -> (u16, String, String, Vec<u8>) {
    let response = reqwest::get(app.url(url)).await.expect("photo");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map_or_else(String::new, |v| v.to_str().unwrap().to_owned())
    };
    let (ty, cache) = (header("content-type"), header("cache-control"));
    let status = response.status().as_u16();
    (status, ty, cache, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_photo_is_scaled_served_for_ever_under_a_new_url_each_time_and_removed() {
    let app = TestApp::spawn().await;
    let sam = person(&app, "sam@speakers.test", "Sam Speaker").await;

    let (status, profile) = upload(
        &app,
        &sam.token,
        encode(gradient(1600, 800), ImageFormat::Png),
        "image/png",
    )
    .await;
    assert_eq!(status, 200, "{profile}");
    let url = profile["photo_url"].as_str().expect("photo_url").to_owned();
    assert!(
        url.starts_with(&format!("/photos/{}/", sam.id)) && url.ends_with(".jpg"),
        "{url}"
    );
    let (status, ty, cache, bytes) = fetch(&app, &url).await;
    assert_eq!((status, ty.as_str()), (200, "image/jpeg"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    let served = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (served.width(), served.height()),
        (512, 256),
        "fits 512×512, keeps the ratio"
    );
    assert_eq!(
        api(&app, Method::GET, PROFILE, &sam.token, None, 200).await["photo_url"],
        url.as_str()
    );

    // a picture with transparency stays PNG; the URL changes and the old one is gone
    let transparent =
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 40, Rgba([10, 20, 30, 100])));
    let (status, profile) = upload(
        &app,
        &sam.token,
        encode(transparent, ImageFormat::Png),
        "image/png",
    )
    .await;
    assert_eq!(status, 200);
    let url2 = profile["photo_url"].as_str().unwrap().to_owned();
    assert_ne!(url2, url);
    assert!(url2.ends_with(".png"));
    assert_eq!(fetch(&app, &url2).await.1, "image/png");
    assert_eq!(fetch(&app, &url).await.0, 404, "a stale digest");
    assert_eq!(
        fetch(&app, &format!("/photos/{}/nonsense.jpg", sam.id))
            .await
            .0,
        404
    );
    assert_eq!(fetch(&app, "/photos/not-a-uuid/x.jpg").await.0, 404);

    // WebP and JPEG bodies are read too, whatever the Content-Type says
    let (status, _) = upload(
        &app,
        &sam.token,
        encode(gradient(64, 64), ImageFormat::WebP),
        "application/octet-stream",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = upload(
        &app,
        &sam.token,
        encode(gradient(64, 64), ImageFormat::Jpeg),
        "image/png",
    )
    .await;
    assert_eq!(status, 200);

    // removed: no URL, the photo is gone
    let current = api(&app, Method::GET, PROFILE, &sam.token, None, 200).await["photo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    api(&app, Method::DELETE, PHOTO, &sam.token, None, 204).await;
    assert!(api(&app, Method::GET, PROFILE, &sam.token, None, 200).await["photo_url"].is_null());
    assert_eq!(fetch(&app, &current).await.0, 404);
    api(&app, Method::DELETE, PHOTO, &sam.token, None, 204).await;
    // anonymous
    assert_eq!(send(&app, Method::DELETE, PHOTO, None, None).await.0, 401);
}

/// A JPEG whose APP1 segment carries EXIF (with a camera's make and a GPS-like tag) and a
/// comment: inserted right after the SOI marker of a plain JPEG.
fn jpeg_with_exif() -> Vec<u8> {
    let plain = encode(gradient(300, 200), ImageFormat::Jpeg);
    let mut exif =
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x0f\0\x02\0\0\0\x0cSecretCam 9\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS 48.8584N 2.2945E");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(&exif);
    let comment = b"taken at home, 12 Secret Street";
    let mut com = vec![0xFF, 0xFE];
    com.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    com.extend_from_slice(comment);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&com);
    out.extend_from_slice(&plain[2..]);
    out
}

#[tokio::test]
async fn metadata_does_not_survive_the_upload() {
    let app = TestApp::spawn().await;
    let sam = person(&app, "sam@speakers.test", "Sam Speaker").await;
    let original = jpeg_with_exif();
    assert!(original.windows(4).any(|w| w == b"Exif"));
    image::load_from_memory(&original).expect("the crafted JPEG is valid");
    let (status, profile) = upload(&app, &sam.token, original, "image/jpeg").await;
    assert_eq!(status, 200, "{profile}");
    let (_, _, _, stored) = fetch(&app, profile["photo_url"].as_str().unwrap()).await;
    for secret in [&b"Exif"[..], b"SecretCam", b"GPS", b"Secret Street"] {
        assert!(
            !stored.windows(secret.len()).any(|w| w == secret),
            "{} survived",
            String::from_utf8_lossy(secret)
        );
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A PNG whose header declares `width`×`height` RGB pixels, with a tiny (truncated) IDAT.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    // a zlib stream of a few zero bytes
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[tokio::test]
async fn hostile_uploads_are_refused_quickly_with_a_4xx_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let sam = person(&app, "sam@speakers.test", "Sam Speaker").await;
    // a decompression bomb: 6000×6000 RGBA of zeros (144 MB decoded) in a small PNG, within
    // the dimensions but over the memory limit
    let bomb = encode(
        DynamicImage::ImageRgba8(RgbaImage::new(6000, 6000)),
        ImageFormat::Png,
    );
    assert!(
        bomb.len() < 2 * 1024 * 1024,
        "the bomb passes the body limit: {}",
        bomb.len()
    );
    // 20000×20000 zeros, compressed: refused by its dimensions
    let wide = encode(
        DynamicImage::ImageLuma8(image::GrayImage::new(20000, 200)),
        ImageFormat::Png,
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("text", b"this is not a picture at all".to_vec()),
        ("empty", Vec::new()),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()),
        (
            "a truncated PNG",
            encode(gradient(50, 50), ImageFormat::Png)[..60].to_vec(),
        ),
        ("100000×100000 declared", png_declaring(100_000, 100_000)),
        ("20000 wide", wide),
        ("a decompression bomb", bomb),
    ];
    for (what, body) in cases {
        let started = Instant::now();
        let (status, problem) = upload(&app, &sam.token, body, "image/png").await;
        assert_eq!(status, 422, "{what}: {problem}");
        assert!(field_error(&problem, "photo"), "{what}: {problem}");
        assert!(
            started.elapsed().as_secs() < 5,
            "{what} took {:?}",
            started.elapsed()
        );
    }
    // over 2 MB: 413, before anything is decoded
    let (status, problem) = upload(
        &app,
        &sam.token,
        vec![0u8; 2 * 1024 * 1024 + 1],
        "image/png",
    )
    .await;
    assert_eq!(status, 413, "{problem}");
    assert!(api(&app, Method::GET, PROFILE, &sam.token, None, 200).await["photo_url"].is_null());
}

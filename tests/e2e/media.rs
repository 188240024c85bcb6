//! Uploads and renditions: images judged by their bytes, size limits, EXIF orientation applied
//! and metadata stripped, and renditions from named presets only.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};
use serde_json::json;

use crate::harness::UPLOAD_LIMIT;
use crate::on_both_engines;

/// A photo-like JPEG of `width`×`height`: gradients, so it compresses like a picture.
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, ImageFormat::Jpeg).unwrap();
    bytes.into_inner()
}

/// `jpeg` with an EXIF block saying "rotate 90° clockwise" and carrying a GPS latitude.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
    tiff.extend_from_slice(&2u16.to_be_bytes()); // two entries
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation = 6
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]); // GPS IFD at 26
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff.extend_from_slice(&1u16.to_be_bytes()); // GPS IFD: one entry
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]); // GPSLatitudeRef = "N"
    tiff.extend_from_slice(&0u32.to_be_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut bytes = plain[..2].to_vec(); // SOI
    bytes.extend_from_slice(&[0xff, 0xe1]);
    bytes.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    bytes.extend_from_slice(&app1);
    bytes.extend_from_slice(&plain[2..]);
    bytes
}

on_both_engines! {
    async fn a_4000_by_3000_jpeg_upload_yields_a_960_pixel_webp_rendition(app) {
        let upload = app.as_reporter().upload("DSC_0001.JPG", &jpeg(4000, 3000), &[
            ("caption", "부산항 신항 전경"), ("credit", "데이트라인뉴스 김민지"), ("alt", "컨테이너선이 정박한 신항"),
            ("focalX", "0.5"), ("focalY", "0.4"),
        ]).await;
        assert_eq!(upload.status, 201, "{}", String::from_utf8_lossy(&upload.body));
        let media = upload.json()["data"].clone();
        assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(4000), Some(3000)));
        let renditions = media["renditions"].as_array().unwrap();
        assert_eq!(renditions.len(), 16);
        for rendition in renditions {
            assert_eq!(rendition["caption"], "부산항 신항 전경");
            assert_eq!(rendition["credit"], "데이트라인뉴스 김민지");
            assert!(rendition["width"].as_u64().unwrap() > 0 && rendition["height"].as_u64().unwrap() > 0);
        }
        let medium = renditions.iter().find(|r| r["name"] == "medium").unwrap();
        assert_eq!((medium["width"].as_u64(), medium["height"].as_u64()), (Some(960), Some(720)));
        let square = renditions.iter().find(|r| r["name"] == "thumb-1x1").unwrap();
        assert_eq!((square["width"].as_u64(), square["height"].as_u64(), square["crop"].as_str()), (Some(160), Some(160), Some("1:1")));

        let webp_path = medium["webpUrl"].as_str().unwrap().trim_start_matches("https://news.example").to_owned();
        assert!(webp_path.ends_with("/medium.webp"), "{webp_path}");
        let webp = app.get(&webp_path).await;
        assert_eq!(webp.status, 200);
        assert_eq!(webp.header("content-type"), Some("image/webp"));
        assert_eq!(webp.header("cache-control"), Some("public, max-age=31536000, immutable"));
        let decoded = image::load_from_memory_with_format(&webp.body, ImageFormat::WebP).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (960, 720));
        assert_eq!(app.get(&webp_path).await.body, webp.body, "made once, then served as made");

        let wide = app.get(&webp_path.replace("medium.webp", "large-16x9.jpg")).await;
        let decoded = image::load_from_memory_with_format(&wide.body, ImageFormat::Jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 900));

        let graphql = app.graphql("{ __type(name: \"Rendition\") { fields { name } } }", json!({})).await;
        let fields: Vec<&str> = graphql["data"]["__type"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
        for field in ["width", "height", "caption", "credit", "url", "webpUrl"] {
            assert!(fields.contains(&field), "{field}");
        }
    }

    async fn uploads_are_judged_by_their_bytes_and_size_not_their_name(app) {
        let text = app.as_reporter().upload("photo.jpg", b"this is not an image at all", &[]).await;
        assert_eq!(text.status, 415);
        assert_eq!(text.header("content-type"), Some("application/problem+json"));
        assert_eq!(text.json()["code"], "UNSUPPORTED_MEDIA_TYPE");

        let gif = app.as_reporter().upload("photo.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00", &[]).await;
        assert_eq!(gif.status, 415, "GIF is not taken, whatever the name");

        let png = {
            let mut bytes = Cursor::new(Vec::new());
            RgbImage::new(30, 20).write_to(&mut bytes, ImageFormat::Png).unwrap();
            bytes.into_inner()
        };
        let named_wrongly = app.as_reporter().upload("photo.jpg", &png, &[]).await;
        assert_eq!(named_wrongly.status, 201);
        assert!(named_wrongly.json()["data"]["url"].as_str().unwrap().ends_with("/original"));

        let oversize = app.as_reporter().upload("huge.jpg", &vec![0xff; UPLOAD_LIMIT + 1024], &[]).await;
        assert_eq!(oversize.status, 413);
        assert_eq!(oversize.header("content-type"), Some("application/problem+json"));

        let json_body = app.as_reporter().post_json("/api/v1/media", &json!({"file": "x"})).await;
        assert_eq!(json_body.status, 415);
        let anonymous = app.as_anon().upload("a.jpg", &png, &[]).await;
        assert_eq!(anonymous.status, 401);
        let bad_focus = app.as_reporter().upload("a.png", &png, &[("focalX", "2"), ("focalY", "0.5")]).await;
        assert_eq!(bad_focus.status, 422);
    }

    async fn exif_orientation_is_applied_and_gps_data_stripped(app) {
        let bytes = jpeg_with_exif(400, 200);
        assert!(bytes.windows(4).any(|w| w == b"Exif"));
        let upload = app.as_reporter().upload("rotated.jpg", &bytes, &[]).await;
        assert_eq!(upload.status, 201, "{}", String::from_utf8_lossy(&upload.body));
        let media = upload.json()["data"].clone();
        assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(200), Some(400)), "turned upright");
        let original = app.get(media["url"].as_str().unwrap().trim_start_matches("https://news.example")).await;
        assert_eq!(original.status, 200);
        assert!(!original.body.windows(4).any(|w| w == b"Exif"), "no EXIF (and so no GPS) survives");
        let decoded = image::load_from_memory(&original.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (200, 400));
    }

    async fn only_named_presets_are_ever_rendered(app) {
        let media = app.as_editor().upload("a.jpg", &jpeg(800, 600), &[]).await.json()["data"].clone();
        let id = media["id"].as_str().unwrap();
        for bad in ["huge.webp", "medium.png", "medium-3x2.jpg", "961.webp", "original.webp"] {
            let response = app.get(&format!("/media/{id}/{bad}")).await;
            assert_eq!(response.status, 404, "{bad}");
            assert_eq!(response.header("content-type"), Some("application/problem+json"));
        }
        let small = app.get(&format!("/media/{id}/large.jpg")).await;
        let decoded = image::load_from_memory(&small.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (800, 600), "never enlarged");
        assert_eq!(app.get("/media/med_01JDXXXXXXXXXXXXXXXXXXXXXX/medium.jpg").await.status, 404);
    }

    async fn demo_style_originals_get_renditions_and_lead_images_list_them(app) {
        use dateline_domain::{FocalPoint, Media, MediaId};
        let id = MediaId::generate();
        let key = format!("{id}/original.jpg");
        dateline_app::put_media_file(app.state.media(), &key, jpeg(1600, 1000)).await.unwrap();
        app.db.media().insert(&Media {
            id, storage_key: key, content_type: "image/jpeg".into(), width: 1600, height: 1000, byte_size: 1,
            caption: Some("광안대교".into()), credit: Some("부산시 제공".into()), alt: None,
            focal_point: FocalPoint::CENTRE, created_at: app.now(),
        }).await.unwrap();
        let thumb = app.get(&format!("/media/{id}/thumb-1x1.webp")).await;
        assert_eq!(thumb.status, 200);
        let decoded = image::load_from_memory(&thumb.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (160, 160));

        app.section("local", "지역").await;
        let story = app.as_editor().post_json("/api/v1/articles", &json!({"headline": "광안대교", "section": "local",
            "leadImage": id.to_string(), "body": [{"type": "paragraph", "text": "본문"}]})).await.json();
        let sid = story["data"]["id"].as_str().unwrap();
        app.as_editor().post_json(&format!("/api/v1/articles/{sid}/approve"), &json!({})).await;
        let graphql = app.graphql("{ latest(first: 1) { nodes { leadImage { renditions { name width height caption credit webpUrl } } } } }", json!({})).await;
        let renditions = &graphql["data"]["latest"]["nodes"][0]["leadImage"]["renditions"];
        assert_eq!(renditions[0], json!({"name": "thumb", "width": 160, "height": 100, "caption": "광안대교", "credit": "부산시 제공",
            "webpUrl": format!("https://news.example/media/{id}/thumb.webp")}));
    }
}

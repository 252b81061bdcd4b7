//! The department's own look: a primary colour and a logo, shown on every page (through a
//! small stylesheet and the header's image) and on every letter. The State's identity (Marianne,
//! « bleu France ») is not ours to use: without a choice, pages take Guichet's own colour.
//!
//! The colour is refused when white text on it would fall below the 4.5:1 contrast of WCAG AA;
//! the logo must be a PNG, is decoded within bounds (no decompression bomb), shrunk to what the
//! header and letters show, and stored re-encoded (nothing of the sent file but its pixels).

use std::io::Cursor;
use std::sync::Arc;

use chrono::Utc;
use image::{ImageFormat, ImageReader, Limits};
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, Set};
use tenants::Tenant;

use crate::entity::department_brand;

/// Guichet's colour, used until a department chooses its own (contrast with white: 6.9:1).
pub const DEFAULT_COLOUR: Colour = Colour([0x1f, 0x5f, 0x8b]);

/// The largest logo file accepted, in bytes.
pub const LOGO_MAX_BYTES: usize = 1024 * 1024;

/// The logo is shrunk to fit this box, in pixels (twice the header's size, for sharp screens).
const LOGO_BOX: (u32, u32) = (480, 96);

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour([u8; 3]);

impl Colour {
    /// `#1f5f8b` (the `#` may be left out), refused with what to do when it is not a colour or
    /// when white text on it would be hard to read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text.trim().trim_start_matches('#');
        let bytes = (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| {
                [0, 2, 4].map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or_default())
            })
            .ok_or_else(|| {
                "Indiquez la couleur en hexadécimal, six chiffres ou lettres de a à f après un #, par exemple #1f5f8b.".to_owned()
            })?;
        let colour = Colour(bytes);
        let contrast = colour.contrast_with_white();
        if contrast < 4.5 {
            // Two decimals: 4.48 shown as « 4,5 » would read as enough.
            let contrast = format!("{contrast:.2}").replace('.', ",");
            return Err(format!(
                "Le texte blanc sur la couleur {} n'est pas assez lisible (contraste de {contrast} pour 1, il faut au moins 4,5 pour 1) : choisissez une couleur plus foncée.",
                colour.hex(),
            ));
        }
        Ok(colour)
    }

    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    pub fn rgb(self) -> [u8; 3] {
        self.0
    }

    /// The same colour, darker, for hovered buttons.
    pub fn darker(self) -> Colour {
        Colour(self.0.map(|c| (u16::from(c) * 3 / 4) as u8))
    }

    /// WCAG's contrast ratio of white text on this colour.
    pub fn contrast_with_white(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0.map(linear);
        let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        1.05 / (luminance + 0.05)
    }
}

/// What the pages need to draw the department's look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Look {
    pub colour: Colour,
    pub has_logo: bool,
    /// Changes with every change of the look, so browsers fetch the new one.
    pub version: i64,
}

impl Default for Look {
    fn default() -> Self {
        Look {
            colour: DEFAULT_COLOUR,
            has_logo: false,
            version: 0,
        }
    }
}

impl Look {
    /// The stylesheet that gives the pages the department's colour.
    pub fn stylesheet(&self) -> String {
        format!(
            ":root{{--primary:{};--primary-dark:{};}}\n",
            self.colour.hex(),
            self.colour.darker().hex()
        )
    }
}

/// The department's look, Guichet's own when it chose none.
pub async fn look(tenant: &Tenant) -> Result<Look, DbErr> {
    Ok(read(tenant).await?.map_or_else(Look::default, |row| Look {
        colour: Colour::parse(&row.colour).unwrap_or(DEFAULT_COLOUR),
        has_logo: row.logo.is_some(),
        version: row.updated_at.timestamp_millis(),
    }))
}

/// The department's logo (PNG), if it has one.
pub async fn logo(tenant: &Tenant) -> Result<Option<Vec<u8>>, DbErr> {
    Ok(colour_and_logo(tenant).await?.1)
}

/// The department's colour and logo, read at once (for its letters).
pub async fn colour_and_logo(tenant: &Tenant) -> Result<(Colour, Option<Vec<u8>>), DbErr> {
    Ok(read(tenant).await?.map_or((DEFAULT_COLOUR, None), |row| {
        let colour = Colour::parse(&row.colour).unwrap_or(DEFAULT_COLOUR);
        (colour, row.logo)
    }))
}

async fn read(tenant: &Tenant) -> Result<Option<department_brand::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = department_brand::Entity::find_by_id(1).one(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// A change to the look.
pub enum Change {
    Colour(Colour),
    Logo(Vec<u8>),
    NoLogo,
}

/// Applies `change`, with the journal entry `entry` in the same transaction.
pub async fn change(
    tenant: &Tenant,
    change: Change,
    entry: crate::audit::AuditEvent,
) -> Result<(), DbErr> {
    let txn = tenant.db().begin().await?;
    let current = department_brand::Entity::find_by_id(1).one(&txn).await?;
    let (mut colour, mut logo) = current
        .clone()
        .map_or((DEFAULT_COLOUR.hex(), None), |row| (row.colour, row.logo));
    match change {
        Change::Colour(c) => colour = c.hex(),
        Change::Logo(png) => logo = Some(png),
        Change::NoLogo => logo = None,
    }
    let row = department_brand::ActiveModel {
        id: Set(1),
        colour: Set(colour),
        logo: Set(logo),
        updated_at: Set(Utc::now()),
    };
    if current.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await
}

/// A logo as sent: a PNG within bounds, shrunk to fit `LOGO_BOX` and re-encoded. Refused in
/// French otherwise.
pub fn checked_logo(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.is_empty() {
        return Err("Choisissez le fichier du logo.".to_owned());
    }
    if bytes.len() > LOGO_MAX_BYTES {
        return Err(
            "Le logo est trop lourd : 1 Mo au plus. Enregistrez-le en PNG plus petit.".to_owned(),
        );
    }
    let not_png = || {
        "Le logo doit être une image PNG : enregistrez-le au format PNG et envoyez-le à nouveau."
            .to_owned()
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Png);
    let mut limits = Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            "Le logo est trop grand : 4096 pixels de côté au plus.".to_owned()
        }
        _ => not_png(),
    })?;
    let (width, height) = LOGO_BOX;
    let image = if image.width() > width || image.height() > height {
        image.resize(width, height, image::imageops::FilterType::Lanczos3)
    } else {
        image
    };
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|_| not_png())?;
    Ok(png)
}

/// Departments' looks, briefly cached: every page of a department draws it.
#[derive(Default)]
pub struct LookCache(crate::cache::PerTenant<Arc<Look>>);

impl LookCache {
    /// The department's look, at most [`crate::cache::TTL`] old.
    pub async fn get(&self, tenant: &Tenant) -> Result<Arc<Look>, DbErr> {
        self.0
            .get_or_read(tenant, async { look(tenant).await.map(Arc::new) })
            .await
    }

    /// After a change on this node: the next page reads it.
    pub fn forget(&self, tenant: &Tenant) {
        self.0.forget(tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_too_light_for_white_text_are_refused() {
        assert_eq!(Colour::parse("#1F5F8B"), Ok(DEFAULT_COLOUR));
        assert_eq!(Colour::parse("1f5f8b"), Ok(DEFAULT_COLOUR));
        assert!(DEFAULT_COLOUR.contrast_with_white() > 6.5);
        let light = Colour::parse("#ffcc00").unwrap_err();
        assert!(light.contains("pas assez lisible"), "{light}");
        assert!(light.contains("4,5 pour 1"), "{light}");
        assert!(Colour::parse("bleu").unwrap_err().contains("hexadécimal"));
        assert!(Colour::parse("#12345g").is_err());
        // Exactly at the limit: #767676 is 4.54:1.
        assert!(Colour::parse("#767676").is_ok());
        assert!(Colour::parse("#777777").is_err());
    }

    #[test]
    fn logos_are_pngs_shrunk_to_fit() {
        let big = image::RgbImage::from_pixel(2000, 1000, image::Rgb([10, 80, 140]));
        let mut png = Vec::new();
        big.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let kept = checked_logo(&png).unwrap();
        let shrunk = image::load_from_memory(&kept).unwrap();
        assert_eq!((shrunk.width(), shrunk.height()), (192, 96));
        assert!(
            checked_logo(b"%PDF-1.4 not an image")
                .unwrap_err()
                .contains("PNG")
        );
        assert!(checked_logo(&[]).is_err());
    }
}

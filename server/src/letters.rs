//! Decision letters as PDF, written in-process with pdf-writer and the standard PDF fonts
//! (Helvetica in WinAnsiEncoding: accents, «», € and œ need no embedded font file). Lines are
//! wrapped on the fonts' own glyph widths, from Adobe's metrics (pdf-core-14-font-afms).

use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// The department as its letters show it: its name in its colour, under its logo.
#[derive(Clone, Debug)]
pub struct Letterhead {
    pub name: String,
    /// sRGB.
    pub colour: [u8; 3],
    /// PNG (as `brand::checked_logo` keeps it).
    pub logo: Option<Vec<u8>>,
}

impl Letterhead {
    /// The department's, as it chose its look.
    pub async fn of(tenant: &tenants::Tenant) -> Result<Self, sea_orm::DbErr> {
        let (colour, logo) = crate::brand::colour_and_logo(tenant).await?;
        Ok(Letterhead {
            name: tenant.name().to_owned(),
            colour: colour.rgb(),
            logo,
        })
    }
}

/// How tall the logo stands at the top of a letter.
const LOGO_MM: f32 = 15.0;

/// What a decision letter says.
#[derive(Clone, Debug)]
pub struct DecisionLetter {
    pub department: Letterhead,
    pub reference: String,
    pub date: String,
    pub citizen_name: String,
    pub aid_title: String,
    /// "accorde", "accorde en partie" or "refuse", in a full sentence.
    pub outcome_sentence: String,
    pub reasons: Vec<String>,
    pub comment: String,
    pub appeal: String,
    /// The citizen's postal address, line by line, when they gave one.
    pub address: Vec<String>,
    /// Who signs, by name and function (CRPA L.212-1).
    pub signatory: String,
}

const LEFT_MM: f32 = 20.0;
const WIDTH_MM: f32 = 170.0;
const BODY_PT: f32 = 11.0;
const LINE_MM: f32 = 5.5;
const BOTTOM_MM: f32 = 20.0;
const TOP_MM: f32 = 272.0;
const A4_MM: (f32, f32) = (210.0, 297.0);
const LOGO: Name<'static> = Name(b"Logo");

/// PDF units (points) from millimetres.
fn pt(mm: f32) -> f32 {
    mm / 25.4 * 72.0
}

/// The two faces letters use, both standard: no font file is embedded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Font {
    Helvetica,
    HelveticaBold,
}

impl Font {
    const ALL: [Font; 2] = [Font::Helvetica, Font::HelveticaBold];

    /// Its name in a page's resources.
    fn resource(self) -> Name<'static> {
        match self {
            Font::Helvetica => Name(b"F1"),
            Font::HelveticaBold => Name(b"F2"),
        }
    }

    fn base_font(self) -> Name<'static> {
        match self {
            Font::Helvetica => Name(b"Helvetica"),
            Font::HelveticaBold => Name(b"Helvetica-Bold"),
        }
    }

    /// Advance widths by glyph name, in thousandths of the font's size.
    fn widths(self) -> &'static HashMap<&'static str, u16> {
        static HELVETICA: LazyLock<HashMap<&str, u16>> =
            LazyLock::new(|| afm_widths(pdf_core_14_font_afms::HELVETICA));
        static HELVETICA_BOLD: LazyLock<HashMap<&str, u16>> =
            LazyLock::new(|| afm_widths(pdf_core_14_font_afms::HELVETICA_BOLD));
        match self {
            Font::Helvetica => &HELVETICA,
            Font::HelveticaBold => &HELVETICA_BOLD,
        }
    }

    /// How wide `text` is set at `size` points, in points. A character the font lacks counts
    /// half an em, as a viewer's fallback glyph roughly does.
    fn text_width(self, text: &str, size: f32) -> f32 {
        let widths = self.widths();
        let thousandths: u32 = text
            .chars()
            .map(|c| {
                glyph_names::glyph_name(u32::from(c))
                    .and_then(|name| widths.get(name.as_ref()).copied())
                    .map_or(500, u32::from)
            })
            .sum();
        thousandths as f32 * size / 1000.0
    }
}

/// The advance widths of an AFM file's character metrics (`C 233 ; WX 556 ; N eacute ; …`),
/// by glyph name: WinAnsi's accented letters are named there, not numbered.
fn afm_widths(afm: &'static str) -> HashMap<&'static str, u16> {
    afm.lines()
        .filter(|line| line.starts_with("C "))
        .filter_map(|line| {
            let (mut width, mut name) = (None, None);
            for field in line.split(';') {
                match field.trim().split_once(' ') {
                    Some(("WX", value)) => width = value.trim().parse().ok(),
                    Some(("N", value)) => name = Some(value.trim()),
                    _ => {}
                }
            }
            Some((name?, width?))
        })
        .collect()
}

/// `text` in WinAnsiEncoding (Windows-1252, ISO 32000 annex D), what the standard fonts are
/// declared with; a character it lacks is shown as `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut utf8 = [0; 4];
    text.chars()
        .map(|c| {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut utf8));
            match *bytes {
                [byte] if !unmappable => byte,
                _ => b'?',
            }
        })
        .collect()
}

/// The logo, decoded and recompressed as the PDF's image (its transparency as a soft mask).
struct Logo {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

impl Logo {
    /// `None` when the bytes are not a readable PNG: the letter goes without it.
    fn decode(png: &[u8]) -> Option<Self> {
        let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).ok()?;
        let alpha = image
            .color()
            .has_alpha()
            .then(|| deflate(image.to_rgba8().pixels().map(|p| p.0[3]).collect()));
        Some(Logo {
            width: image.width(),
            height: image.height(),
            rgb: deflate(image.to_rgb8().into_raw()),
            alpha,
        })
    }

    /// Writes the image as the object `id`, and its transparency, if any, as `mask_id`.
    fn write(&self, pdf: &mut Pdf, id: Ref, mask_id: Ref) {
        let (width, height) = (to_i32(self.width), to_i32(self.height));
        let mut image = pdf.image_xobject(id, &self.rgb);
        image.filter(Filter::FlateDecode);
        image.width(width).height(height).bits_per_component(8);
        image.color_space().device_rgb();
        if self.alpha.is_some() {
            image.s_mask(mask_id);
        }
        image.finish();
        if let Some(alpha) = &self.alpha {
            let mut mask = pdf.image_xobject(mask_id, alpha);
            mask.filter(Filter::FlateDecode);
            mask.width(width).height(height).bits_per_component(8);
            mask.color_space().device_gray();
        }
    }
}

fn to_i32(pixels: u32) -> i32 {
    // `brand::checked_logo` keeps logos a few hundred pixels wide.
    i32::try_from(pixels).unwrap_or(i32::MAX)
}

fn deflate(bytes: Vec<u8>) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a `Vec` cannot fail.
    let _ = encoder.write_all(&bytes);
    encoder.finish().unwrap_or_default()
}

/// Builds the pages line by line, starting a new page when one is full.
struct Writer {
    title: String,
    pages: Vec<Content>,
    page: Content,
    logo: Option<Logo>,
    y: f32,
}

impl Writer {
    fn new(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            pages: Vec::new(),
            page: Content::new(),
            logo: None,
            y: TOP_MM,
        }
    }

    /// The logo at the top left, `LOGO_MM` tall; nothing if it cannot be read.
    fn logo(&mut self, png: &[u8]) {
        let Some(logo) = Logo::decode(png) else {
            return;
        };
        let height = pt(LOGO_MM);
        let width = height * logo.width as f32 / logo.height.max(1) as f32;
        let bottom = self.y + 5.0 - LOGO_MM;
        self.page.save_state();
        self.page
            .transform([width, 0.0, 0.0, height, pt(LEFT_MM), pt(bottom)]);
        self.page.x_object(LOGO);
        self.page.restore_state();
        self.logo = Some(logo);
        self.y = bottom - 6.0;
    }

    fn fill(&mut self, rgb: [u8; 3]) {
        let [r, g, b] = rgb.map(|c| f32::from(c) / 255.0);
        self.page.set_fill_rgb(r, g, b);
    }

    fn line(&mut self, font: Font, size: f32, indent_mm: f32, text: &str) {
        if self.y < BOTTOM_MM {
            self.new_page();
        }
        self.page.begin_text();
        self.page.set_font(font.resource(), size);
        self.page.next_line(pt(LEFT_MM + indent_mm), pt(self.y));
        self.page.show(Str(&win_ansi(text)));
        self.page.end_text();
        self.y -= LINE_MM * size / BODY_PT;
    }

    fn paragraph(&mut self, font: Font, size: f32, indent_mm: f32, text: &str) {
        for line in wrap(text, font, size, pt(WIDTH_MM - indent_mm)) {
            self.line(font, size, indent_mm, &line);
        }
        self.y -= 2.0;
    }

    /// The department (logo, then name in its colour), the addressee and the date, then the
    /// subject line.
    fn letterhead(
        &mut self,
        department: &Letterhead,
        addressee: &[String],
        date: &str,
        subject: &str,
    ) {
        if let Some(png) = &department.logo {
            self.logo(png);
        }
        self.fill(department.colour);
        self.line(Font::HelveticaBold, 14.0, 0.0, &department.name);
        self.fill([0, 0, 0]);
        self.gap(4.0);
        // The address block, where a window envelope shows it.
        for line in addressee {
            self.line(Font::Helvetica, BODY_PT, 100.0, line);
        }
        self.line(Font::Helvetica, BODY_PT, 100.0, &format!("Le {date}"));
        self.gap(8.0);
        self.line(
            Font::HelveticaBold,
            BODY_PT,
            0.0,
            &format!("Objet : {subject}"),
        );
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(page);
        self.y = TOP_MM;
    }

    /// The document: catalog, page tree, the two fonts, the logo, then each page and its
    /// content.
    fn finish(mut self) -> Vec<u8> {
        self.new_page();
        let mut ids = Ref::new(1);
        let (catalog, tree, info) = (ids.bump(), ids.bump(), ids.bump());
        let fonts = Font::ALL.map(|font| (font, ids.bump()));
        let (logo, logo_mask) = (ids.bump(), ids.bump());
        let pages: Vec<(Ref, Ref, Content)> = self
            .pages
            .into_iter()
            .map(|content| (ids.bump(), ids.bump(), content))
            .collect();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Guichet"));
        pdf.pages(tree)
            .kids(pages.iter().map(|(page, _, _)| *page))
            .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
        for (font, id) in fonts {
            pdf.type1_font(id)
                .base_font(font.base_font())
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        if let Some(image) = &self.logo {
            image.write(&mut pdf, logo, logo_mask);
        }
        for (page_id, content_id, content) in pages {
            let mut page = pdf.page(page_id);
            page.parent(tree)
                .media_box(Rect::new(0.0, 0.0, pt(A4_MM.0), pt(A4_MM.1)))
                .contents(content_id);
            let mut resources = page.resources();
            let mut font_names = resources.fonts();
            for (font, id) in fonts {
                font_names.pair(font.resource(), id);
            }
            font_names.finish();
            if self.logo.is_some() {
                resources.x_objects().pair(LOGO, logo);
            }
            resources.finish();
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

/// Greedy word wrap on the standard font's own glyph widths.
fn wrap(text: &str, font: Font, size_pt: f32, max_width_pt: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if font.text_width(&candidate, size_pt) > max_width_pt && !current.is_empty() {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// The PDF of a decision letter.
pub fn decision_pdf(letter: &DecisionLetter) -> Vec<u8> {
    let mut w = Writer::new(&format!("Décision {}", letter.reference));
    let addressee: Vec<String> = std::iter::once(letter.citizen_name.clone())
        .chain(letter.address.iter().cloned())
        .collect();
    w.letterhead(
        &letter.department,
        &addressee,
        &letter.date,
        &format!("décision sur votre demande « {} »", letter.aid_title),
    );
    w.line(
        Font::Helvetica,
        BODY_PT,
        0.0,
        &format!("Référence : {}", letter.reference),
    );
    w.gap(6.0);
    w.paragraph(Font::Helvetica, BODY_PT, 0.0, "Madame, Monsieur,");
    w.paragraph(Font::Helvetica, BODY_PT, 0.0, &letter.outcome_sentence);
    if !letter.reasons.is_empty() {
        w.paragraph(Font::HelveticaBold, BODY_PT, 0.0, "Motifs de la décision :");
        for reason in &letter.reasons {
            w.paragraph(Font::Helvetica, BODY_PT, 5.0, &format!("• {reason}"));
        }
    }
    if !letter.comment.trim().is_empty() {
        w.paragraph(
            Font::HelveticaBold,
            BODY_PT,
            0.0,
            "Précisions de l'agent qui a instruit votre demande :",
        );
        w.paragraph(Font::Helvetica, BODY_PT, 0.0, letter.comment.trim());
    }
    w.gap(2.0);
    w.paragraph(
        Font::HelveticaBold,
        BODY_PT,
        0.0,
        "Voies et délais de recours",
    );
    w.paragraph(Font::Helvetica, BODY_PT, 0.0, &letter.appeal);
    w.gap(4.0);
    w.paragraph(
        Font::Helvetica,
        BODY_PT,
        0.0,
        "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    );
    w.paragraph(Font::Helvetica, BODY_PT, 100.0, &letter.signatory);
    w.finish()
}

/// A plain letter to a citizen: the department, the addressee and date, a subject, then
/// one paragraph per line of `text`.
pub fn notice_pdf(
    department: &Letterhead,
    citizen_name: &str,
    date: &str,
    subject: &str,
    text: &str,
) -> Vec<u8> {
    let mut w = Writer::new(subject);
    w.letterhead(department, &[citizen_name.to_owned()], date, subject);
    w.gap(6.0);
    for paragraph in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        w.paragraph(Font::Helvetica, BODY_PT, 0.0, paragraph);
    }
    w.finish()
}

/// The means of appeal every decision states, in plain words, the same on its page and in its
/// letter.
pub fn appeal_text(department: &str) -> String {
    format!(
        "Si vous n'êtes pas d'accord avec cette décision, vous avez deux mois à partir du jour où vous l'avez reçue pour demander au département de la revoir : c'est le « recours gracieux ». Écrivez au président du conseil départemental ({department}), par courrier ou par un message depuis votre espace, en expliquant pourquoi. Vous pouvez aussi, dans les mêmes deux mois (ou deux mois après la réponse à votre recours gracieux), demander au tribunal administratif d'annuler la décision : c'est le « recours contentieux », possible en ligne avec Télérecours citoyens (www.telerecours.fr)."
    )
}

/// How a decision is signed: the deciding staff member by name and function, for the president
/// of the departmental council (who delegates the signature), as CRPA L.212-1 requires.
pub fn signatory(staff_name: &str) -> String {
    format!(
        "Pour le président du conseil départemental et par délégation, {staff_name}, chargé(e) de l'instruction des demandes d'aide"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "Après examen de votre demande, nous avons le plaisir de vous informer qu'elle est accordée pour un montant de 1 234,56 €.";
        let lines = wrap(text, Font::Helvetica, 11.0, 200.0);
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|l| Font::Helvetica.text_width(l, 11.0) <= 200.0)
        );
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn widths_come_from_the_fonts_metrics() {
        // Helvetica's AFM: « i » 222, « W » 944 and « é » 556 thousandths of an em.
        let plain = Font::Helvetica.text_width("iWé", 10.0);
        assert_eq!(plain, (222.0 + 944.0 + 556.0) / 100.0);
        assert!(Font::HelveticaBold.text_width("iWé", 10.0) > plain);
    }

    #[test]
    fn french_text_is_encoded_as_the_fonts_are_declared() {
        assert_eq!(
            win_ansi("é « € œ » ’"),
            [
                0xe9, b' ', 0xab, b' ', 0x80, b' ', 0x9c, b' ', 0xbb, b' ', 0x92
            ]
        );
        assert_eq!(win_ansi("a日b"), b"a?b");
    }

    #[test]
    fn the_letter_shows_its_words_accents_included() {
        let pdf = decision_pdf(&letter(None)).to_ascii_lowercase();
        let shows = |text: &str| {
            let hex: String = win_ansi(text).iter().map(|b| format!("{b:02x}")).collect();
            pdf.windows(hex.len()).any(|w| w == hex.as_bytes())
        };
        assert!(shows(
            "Objet : décision sur votre demande « Aide au loyer »"
        ));
        assert!(shows("Votre demande est accordée : 450,00 €."));
        assert!(!shows("Votre demande est refusée"));
    }

    fn letter(logo: Option<Vec<u8>>) -> DecisionLetter {
        DecisionLetter {
            department: Letterhead {
                name: "Département du Gard".into(),
                colour: [0x1f, 0x5f, 0x8b],
                logo,
            },
            reference: "GARD-2026-000001".into(),
            date: "25/11/2026".into(),
            citizen_name: "Angela DUBOIS".into(),
            aid_title: "Aide au loyer".into(),
            outcome_sentence: "Votre demande est accordée : 450,00 €.".into(),
            reasons: vec!["Conditions remplies".into()],
            comment: "Versement sous quinze jours.".into(),
            appeal: appeal_text("Département du Gard"),
            address: vec!["12 rue des Arènes".into(), "30000 Nîmes".into()],
            signatory: signatory("Inès Durand"),
        }
    }

    #[test]
    fn a_letter_is_a_pdf_under_the_department_logo() {
        let plain = decision_pdf(&letter(None));
        assert!(plain.starts_with(b"%PDF-"));
        assert!(plain.len() > 500);
        let logo = image::RgbImage::from_pixel(192, 96, image::Rgb([200, 30, 30]));
        let mut png = Vec::new();
        logo.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let headed = decision_pdf(&letter(Some(png)));
        let has_image = |pdf: &[u8]| pdf.windows(6).any(|w| w == b"/Image");
        assert!(has_image(&headed));
        assert!(!has_image(&plain));
    }
}

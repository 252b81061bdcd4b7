//! Decision letters as PDF, made in-process with printpdf and the standard PDF fonts
//! (Helvetica, WinAnsi encoding: accents, «», € and œ need no embedded font file).

use printpdf::{
    BuiltinFont, Color, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    RawImage, Rgb, TextItem, XObjectTransform,
};

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

/// Builds the pages line by line, starting a new page when one is full.
struct Writer {
    doc: PdfDocument,
    pages: Vec<PdfPage>,
    ops: Vec<Op>,
    y: f32,
}

fn fill(rgb: [u8; 3]) -> Op {
    let [r, g, b] = rgb.map(|c| f32::from(c) / 255.0);
    Op::SetFillColor {
        col: Color::Rgb(Rgb {
            r,
            g,
            b,
            icc_profile: None,
        }),
    }
}

impl Writer {
    fn new(title: &str) -> Self {
        Self {
            doc: PdfDocument::new(title),
            pages: Vec::new(),
            ops: Vec::new(),
            y: 272.0,
        }
    }

    /// The logo at the top left, `LOGO_MM` tall; nothing if it cannot be read.
    fn logo(&mut self, png: &[u8]) {
        let Ok(image) = RawImage::decode_from_bytes(png, &mut Vec::new()) else {
            return;
        };
        let dpi = image.height as f32 / (LOGO_MM / 25.4);
        let id = self.doc.add_image(&image);
        let bottom = self.y + 5.0 - LOGO_MM;
        self.ops.push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Mm(LEFT_MM).into()),
                translate_y: Some(Mm(bottom).into()),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
        self.y = bottom - 6.0;
    }

    fn line(&mut self, font: BuiltinFont, size: f32, indent_mm: f32, text: &str) {
        if self.y < BOTTOM_MM {
            self.new_page();
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(LEFT_MM + indent_mm), Mm(self.y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
        self.y -= LINE_MM * size / BODY_PT;
    }

    fn paragraph(&mut self, font: BuiltinFont, size: f32, indent_mm: f32, text: &str) {
        let width_pt = (WIDTH_MM - indent_mm) / 25.4 * 72.0;
        for line in wrap(text, font, size, width_pt) {
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
        self.ops.push(fill(department.colour));
        self.line(BuiltinFont::HelveticaBold, 14.0, 0.0, &department.name);
        self.ops.push(fill([0, 0, 0]));
        self.gap(4.0);
        // The address block, where a window envelope shows it.
        for line in addressee {
            self.line(BuiltinFont::Helvetica, BODY_PT, 100.0, line);
        }
        self.line(
            BuiltinFont::Helvetica,
            BODY_PT,
            100.0,
            &format!("Le {date}"),
        );
        self.gap(8.0);
        self.line(
            BuiltinFont::HelveticaBold,
            BODY_PT,
            0.0,
            &format!("Objet : {subject}"),
        );
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        self.y = 272.0;
    }

    fn finish(mut self) -> Vec<u8> {
        self.new_page();
        let mut warnings = Vec::new();
        self.doc
            .with_pages(self.pages)
            .save(&PdfSaveOptions::default(), &mut warnings)
    }
}

/// Greedy word wrap on the standard font's own glyph widths.
fn wrap(text: &str, font: BuiltinFont, size_pt: f32, max_width_pt: f32) -> Vec<String> {
    let Some(metrics) = font.get_parsed_font() else {
        return vec![text.to_owned()];
    };
    let per_unit = size_pt / f32::from(metrics.units_per_em);
    let width = |s: &str| -> f32 {
        s.chars()
            .map(|c| {
                metrics
                    .lookup_glyph_index(c as u32)
                    .and_then(|g| metrics.get_glyph_width(g))
                    .unwrap_or(500) as f32
            })
            .sum::<f32>()
            * per_unit
    };
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate) > max_width_pt && !current.is_empty() {
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
        BuiltinFont::Helvetica,
        BODY_PT,
        0.0,
        &format!("Référence : {}", letter.reference),
    );
    w.gap(6.0);
    w.paragraph(BuiltinFont::Helvetica, BODY_PT, 0.0, "Madame, Monsieur,");
    w.paragraph(
        BuiltinFont::Helvetica,
        BODY_PT,
        0.0,
        &letter.outcome_sentence,
    );
    if !letter.reasons.is_empty() {
        w.paragraph(
            BuiltinFont::HelveticaBold,
            BODY_PT,
            0.0,
            "Motifs de la décision :",
        );
        for reason in &letter.reasons {
            w.paragraph(BuiltinFont::Helvetica, BODY_PT, 5.0, &format!("• {reason}"));
        }
    }
    if !letter.comment.trim().is_empty() {
        w.paragraph(
            BuiltinFont::HelveticaBold,
            BODY_PT,
            0.0,
            "Précisions de l'agent qui a instruit votre demande :",
        );
        w.paragraph(BuiltinFont::Helvetica, BODY_PT, 0.0, letter.comment.trim());
    }
    w.gap(2.0);
    w.paragraph(
        BuiltinFont::HelveticaBold,
        BODY_PT,
        0.0,
        "Voies et délais de recours",
    );
    w.paragraph(BuiltinFont::Helvetica, BODY_PT, 0.0, &letter.appeal);
    w.gap(4.0);
    w.paragraph(
        BuiltinFont::Helvetica,
        BODY_PT,
        0.0,
        "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    );
    w.paragraph(BuiltinFont::Helvetica, BODY_PT, 100.0, &letter.signatory);
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
        w.paragraph(BuiltinFont::Helvetica, BODY_PT, 0.0, paragraph);
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
        let lines = wrap(text, BuiltinFont::Helvetica, 11.0, 200.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
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

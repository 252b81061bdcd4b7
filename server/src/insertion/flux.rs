//! The CAF/MSA monthly « flux bénéficiaires RSA » (schema vrsb0801), read as a stream: one
//! household (`InfosFoyerRSA`) at a time, never the whole file in memory, so a department of
//! 150,000 people is read in a few megabytes. The file declares its encoding (windows-1252 in
//! practice): it is transcoded to UTF-8 on the fly (`encoding_rs_io`) before `quick-xml` reads
//! it. Only what the insertion module uses is kept (see `docs`: the reference's § 1.8).
//!
//! Mistakes are reported in French with the line they are on; a file that is not this flux
//! (another root, another department's format) is refused at its first element.

use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;
use encoding_rs::Encoding;
use quick_xml::events::Event;

/// The file's header (`IdentificationFlux`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// `M` monthly, `I` infra-monthly.
    pub frequency: String,
    pub created_on: Option<NaiveDate>,
    /// The month the file describes (its last day, for a monthly file).
    pub reference_on: Option<NaiveDate>,
}

stored_enum! {
    /// Where a household's right stands (`ETATDOSRSA`): the fund's code is the stored id.
    pub enum RightState {
        /// 0: applied, waiting for the department's decision.
        Applied = "0",
        Refused = "1",
        /// 2: open and paid.
        Open = "2",
        /// 3: open, the right itself in doubt.
        RightSuspended = "3",
        /// 4: open, payment suspended.
        PaymentSuspended = "4",
        Closed = "5",
        /// 6: closed in an earlier month, with a regularisation this month.
        ClosedEarlier = "6",
    }
}

impl RightState {
    pub fn code(self) -> &'static str {
        self.id()
    }

    /// In words, as staff read it.
    pub fn label(self) -> &'static str {
        match self {
            RightState::Applied => "Demande en attente de décision",
            RightState::Refused => "Droit refusé",
            RightState::Open => "Droit ouvert et versé",
            RightState::RightSuspended => "Droit suspendu",
            RightState::PaymentSuspended => "Versement suspendu",
            RightState::Closed => "Droit clos",
            RightState::ClosedEarlier => "Droit clos (régularisation)",
        }
    }

    /// Whether the right is open (paid or suspended): the person counts as a beneficiary.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RightState::Open | RightState::RightSuspended | RightState::PaymentSuspended
        )
    }
}

/// A person's role in the RSA benefit (`ROLEPERS` of the `RSA` block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The applicant (`DEM`).
    Applicant,
    /// The applicant's spouse or partner (`CJT`).
    Partner,
    /// A child (`ENF`).
    Child,
    /// Anyone else in the household (`AUT`, `RDO`…).
    Other,
}

impl Role {
    fn parse(code: &str) -> Self {
        match code {
            "DEM" => Role::Applicant,
            "CJT" => Role::Partner,
            "ENF" => Role::Child,
            _ => Role::Other,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Role::Applicant => "DEM",
            Role::Partner => "CJT",
            Role::Child => "ENF",
            Role::Other => "AUT",
        }
    }

    /// The applicant and their partner are the ones the department follows.
    pub fn is_beneficiary(self) -> bool {
        matches!(self, Role::Applicant | Role::Partner)
    }
}

/// A person of a household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub role: Role,
    /// As the file gives it (13 characters, sometimes missing); checked where it is matched.
    pub nir: Option<String>,
    pub family_name: String,
    pub birth_name: String,
    pub given_name: String,
    pub birth_date: Option<NaiveDate>,
    /// `1` male, `2` female.
    pub sex: String,
    /// France Travail's identifier (`IDASSEDIC`).
    pub france_travail_id: Option<String>,
    /// Subject to « droits et devoirs » (`TOPPERSDRODEVORSA`); absent when the file says nothing.
    pub rights_and_duties: Option<bool>,
    /// The department's own identifier of the person: given by its lists, never by a fund's
    /// file; matched after the NIR.
    pub internal_id: Option<String>,
}

/// A household (`InfosFoyerRSA`): its right and its people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Household {
    /// The line its block starts on.
    pub line: u64,
    /// `CAF` or `MSA`.
    pub fund: String,
    /// The allocataire number, 15 digits, kept as text (it may start with 0).
    pub matricule: String,
    /// The department it is sent to, as written (`030`).
    pub department: String,
    /// The RSA application date (`DTDEMRSA`).
    pub applied_on: Option<NaiveDate>,
    pub state: RightState,
    /// Why payment is suspended (`MOTISUSVERSRSA`, the first one).
    pub suspension_reason: Option<String>,
    /// Why and when the right closed (`MOTICLORSA`, `DTCLORSA`).
    pub closure: Option<(String, Option<NaiveDate>)>,
    /// No fixed abode (`TOPSANSDOMFIXE`).
    pub homeless: bool,
    pub postcode: Option<String>,
    pub commune: Option<String>,
    pub people: Vec<Person>,
}

impl Household {
    /// The household's type as the `menage` nomenclature codes it: a partner makes a couple,
    /// and the file lists the children.
    pub fn kind(&self) -> &'static str {
        let has = |role| self.people.iter().any(|p| p.role == role);
        match (has(Role::Partner), has(Role::Child)) {
            (false, false) => "seul_sans_enfant",
            (false, true) => "seul_avec_enfants",
            (true, false) => "couple_sans_enfant",
            (true, true) => "couple_avec_enfants",
        }
    }
}

/// A mistake in the file, with the line it is on.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("ligne {line} : {message}")]
pub struct FluxError {
    pub line: u64,
    pub message: String,
    /// Only this household's block is wrong (read to its end): the reading goes on.
    pub row: bool,
    /// The wrong block's fund and allocataire number, when known: its people are still in
    /// the file (not exits).
    pub household: Option<(String, String)>,
}

/// Reads a flux: its header first, then its households one by one (`Iterator`).
pub struct FluxReader<R: Read> {
    xml: quick_xml::Reader<BufReader<encoding_rs_io::DecodeReaderBytes<BufReader<R>, Vec<u8>>>>,
    buf: Vec<u8>,
    /// Line of the event being read: 1 + the line breaks seen so far.
    line: u64,
    /// Element names from the root to the current one.
    path: Vec<String>,
    text: String,
    pub header: Header,
    done: bool,
}

impl<R: Read> FluxReader<R> {
    /// Opens a flux and reads its header. The encoding comes from the XML declaration
    /// (windows-1252, ISO-8859-1 or UTF-8); UTF-8 when it names none.
    pub fn open(input: R) -> Result<Self, FluxError> {
        let mut input = BufReader::new(input);
        let declared = declared_encoding(input.fill_buf().map_err(|e| io_error(1, &e))?);
        let utf8 = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(declared))
            .build(input);
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(utf8));
        xml.config_mut().trim_text(false);
        let mut reader = FluxReader {
            xml,
            buf: Vec::new(),
            line: 1,
            path: Vec::new(),
            text: String::new(),
            header: Header::default(),
            done: false,
        };
        reader.read_header()?;
        Ok(reader)
    }

    fn error(&self, message: impl Into<String>) -> FluxError {
        FluxError {
            line: self.line,
            message: message.into(),
            row: false,
            household: None,
        }
    }

    /// The next event worth reading: an element opened or closed (with the text it held).
    fn next_event(&mut self) -> Result<Step, FluxError> {
        loop {
            self.buf.clear();
            let event = self.xml.read_event_into(&mut self.buf);
            let event = match event {
                Ok(event) => event,
                Err(e) => {
                    return Err(self.error(format!(
                        "le fichier n'est pas un XML bien formé ({e}) : il est peut-être tronqué ; demandez à la CAF ou à la MSA de le renvoyer"
                    )));
                }
            };
            match event {
                Event::Start(e) => {
                    let name = e.name().as_ref().to_owned();
                    self.text.clear();
                    self.path.push(name.clone());
                    return Ok(Step::Open(name));
                }
                Event::Empty(e) => {
                    let name = e.name().as_ref().to_owned();
                    self.text.clear();
                    return Ok(Step::Closed(name, String::new()));
                }
                Event::End(_) => {
                    let name = self.path.pop().unwrap_or_default();
                    let text = std::mem::take(&mut self.text);
                    return Ok(Step::Closed(name, text.trim().to_owned()));
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.line += content.matches('\n').count() as u64;
                    self.text.push_str(&content);
                }
                Event::CData(t) => self.text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let name = r.xml10_content();
                    match r.resolve_char_ref().ok().flatten() {
                        Some(c) => self.text.push(c),
                        None => match quick_xml::escape::resolve_xml_entity(&name) {
                            Some(s) => self.text.push_str(s),
                            None => {
                                let message = format!(
                                    "l'entité « &{name}; » est inconnue : le fichier n'est pas un flux CAF ou MSA valide"
                                );
                                return Err(self.error(message));
                            }
                        },
                    }
                }
                Event::Eof => return Ok(Step::End),
                _ => {}
            }
        }
    }

    fn read_header(&mut self) -> Result<(), FluxError> {
        match self.next_event()? {
            Step::Open(root) if root == "Racine" => {}
            Step::Open(other) => {
                return Err(self.error(format!(
                    "le fichier commence par « {other} » et non par « Racine » : ce n'est pas un flux bénéficiaires RSA de la CAF ou de la MSA (schéma vrsb0801)"
                )));
            }
            _ => return Err(self.error("le fichier est vide ou ne contient pas de XML")),
        }
        loop {
            match self.next_event()? {
                Step::Closed(name, text) => match name.as_str() {
                    "TYPEFLUX" => self.header.frequency = text,
                    "DTCREAFLUX" => self.header.created_on = Some(self.date(&name, &text)?),
                    "DTREF" => self.header.reference_on = Some(self.date(&name, &text)?),
                    "IdentificationFlux" => return Ok(()),
                    _ => {}
                },
                Step::Open(name) if name == "IdentificationFlux" || self.path.len() > 2 => {}
                Step::Open(name) => {
                    return Err(self.error(format!(
                        "« {name} » arrive avant l'en-tête « IdentificationFlux » : le fichier n'est pas un flux bénéficiaires RSA valide"
                    )));
                }
                Step::End => {
                    return Err(self.error(
                        "le fichier s'arrête avant la fin de son en-tête : il est tronqué",
                    ));
                }
            }
        }
    }

    fn date(&self, name: &str, text: &str) -> Result<NaiveDate, FluxError> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            self.error(format!(
                "la date {name} « {text} » n'est pas une date AAAA-MM-JJ"
            ))
        })
    }

    fn flag(&self, name: &str, text: &str) -> Result<bool, FluxError> {
        match text {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(self.error(format!("{name} vaut « {text} » : 0 ou 1 attendu"))),
        }
    }

    /// The next household, or `None` at the end of the file.
    fn read_household(&mut self) -> Result<Option<Household>, FluxError> {
        // Find the next `InfosFoyerRSA`, or the trailer.
        loop {
            match self.next_event()? {
                Step::Open(name) if name == "InfosFoyerRSA" => break,
                Step::Open(name) if name == "TransmissionFlux" => {
                    self.done = true;
                    return Ok(None);
                }
                Step::End => {
                    return Err(self.error(
                        "le fichier s'arrête sans son bloc final « TransmissionFlux » : il est tronqué ; demandez à la CAF ou à la MSA de le renvoyer",
                    ));
                }
                _ => {}
            }
        }
        let mut household = HouseholdDraft {
            line: self.line,
            ..HouseholdDraft::default()
        };
        let mut person = PersonDraft::default();
        let mut in_rsa_block = false;
        loop {
            match self.next_event()? {
                Step::Open(name) => match name.as_str() {
                    "Personne" => person = PersonDraft::default(),
                    "Prestations" => in_rsa_block = false,
                    _ => {}
                },
                Step::Closed(name, text) => {
                    let parent = self.path.last().map(String::as_str).unwrap_or_default();
                    match (parent, name.as_str()) {
                        (_, "InfosFoyerRSA") => return household.finish().map(Some),
                        ("Organisme", "FONORG") => household.fund = text,
                        ("Organisme", "MATRICULE") => household.matricule = text,
                        ("Partenaire", "IDEPARTE") => household.department = text,
                        ("DemandeRSA", "DTDEMRSA") => {
                            household.applied_on = Some(self.date(&name, &text)?)
                        }
                        ("EtatDossierRSA", "ETATDOSRSA") => {
                            household.state = Some(RightState::parse(&text).ok_or_else(|| {
                                self.error(format!(
                                    "ETATDOSRSA vaut « {text} » : un état de droit de 0 à 6 est attendu"
                                ))
                            })?);
                        }
                        ("SuspensionVersement", "MOTISUSVERSRSA") => {
                            household.suspension_reason.get_or_insert(text);
                        }
                        ("FinDroit" | "FinDroitMoisAnterieur", "MOTICLORSA") => {
                            household.closure_reason.get_or_insert(text);
                        }
                        ("FinDroit" | "FinDroitMoisAnterieur", "DTCLORSA") => {
                            let date = self.date(&name, &text)?;
                            household.closure_date.get_or_insert(date);
                        }
                        ("TroncCommunDroitRSA", "TOPSANSDOMFIXE") => {
                            household.homeless = self.flag(&name, &text)?
                        }
                        ("TroncCommunAdresse", "RGADR") => household.current_address = text == "01",
                        ("AdresseDetailleeFrance", "CODEPOS") if household.current_address => {
                            household.postcode = Some(text).filter(|t| !t.is_empty())
                        }
                        ("AdresseDetailleeFrance", "NOMCOM") if household.current_address => {
                            household.commune = Some(text).filter(|t| !t.is_empty())
                        }
                        ("Identification", "NOM") => person.family_name = text,
                        ("Identification", "NOMNAI") => person.birth_name = text,
                        ("Identification", "PRENOM") => person.given_name = text,
                        ("Identification", "DTNAI") => {
                            person.birth_date = Some(self.date(&name, &text)?)
                        }
                        ("Identification", "NIR") => {
                            person.nir = Some(text).filter(|t| !t.is_empty())
                        }
                        ("Identification", "SEXE") => person.sex = text,
                        ("Prestations", "NATPREST") => in_rsa_block = text == "RSA",
                        ("Prestations", "ROLEPERS") if in_rsa_block => {
                            person.role = Some(Role::parse(text.trim()))
                        }
                        ("DossierPoleEmploi", "IDASSEDIC") => {
                            person.france_travail_id = Some(text).filter(|t| !t.is_empty())
                        }
                        ("MontantCalculDroitRSAPersonne", "TOPPERSDRODEVORSA") => {
                            person.rights_and_duties = Some(self.flag(&name, &text)?)
                        }
                        (_, "Personne") => {
                            let done = std::mem::take(&mut person);
                            household.people.push(done.finish(self)?);
                        }
                        _ => {}
                    }
                }
                Step::End => {
                    return Err(self.error(
                        "le fichier s'arrête au milieu d'un dossier : il est tronqué ; demandez à la CAF ou à la MSA de le renvoyer",
                    ));
                }
            }
        }
    }
}

impl<R: Read> Iterator for FluxReader<R> {
    type Item = Result<Household, FluxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_household() {
            Ok(Some(household)) => Some(Ok(household)),
            Ok(None) => None,
            Err(e) => {
                // A file error ends the reading: what follows cannot be trusted. A block read
                // to its end but wrong in itself leaves the reader at the next one.
                self.done = !e.row;
                Some(Err(e))
            }
        }
    }
}

enum Step {
    Open(String),
    Closed(String, String),
    End,
}

#[derive(Default)]
struct HouseholdDraft {
    line: u64,
    fund: String,
    matricule: String,
    department: String,
    applied_on: Option<NaiveDate>,
    state: Option<RightState>,
    suspension_reason: Option<String>,
    closure_reason: Option<String>,
    closure_date: Option<NaiveDate>,
    homeless: bool,
    current_address: bool,
    postcode: Option<String>,
    commune: Option<String>,
    people: Vec<Person>,
}

impl HouseholdDraft {
    fn finish(self) -> Result<Household, FluxError> {
        let at = |message: String| FluxError {
            line: self.line,
            message,
            row: true,
            household: (!self.matricule.is_empty())
                .then(|| (self.fund.clone(), self.matricule.clone())),
        };
        if self.matricule.is_empty() {
            return Err(at(
                "ce dossier n'a pas de numéro d'allocataire (MATRICULE)".into()
            ));
        }
        let state = self.state.ok_or_else(|| {
            at(format!(
                "le dossier {} n'a pas d'état de droit (ETATDOSRSA)",
                self.matricule
            ))
        })?;
        let applicants = self
            .people
            .iter()
            .filter(|p| p.role == Role::Applicant)
            .count();
        if applicants > 1 {
            return Err(at(format!(
                "le dossier {} compte {applicants} demandeurs (ROLEPERS DEM) : un seul est possible ; signalez-le à la CAF ou à la MSA",
                self.matricule
            )));
        }
        Ok(Household {
            line: self.line,
            fund: self.fund,
            matricule: self.matricule,
            department: self.department,
            applied_on: self.applied_on,
            state,
            suspension_reason: self.suspension_reason,
            closure: self.closure_reason.map(|r| (r, self.closure_date)),
            homeless: self.homeless,
            postcode: self.postcode,
            commune: self.commune,
            people: self.people,
        })
    }
}

#[derive(Default)]
struct PersonDraft {
    role: Option<Role>,
    nir: Option<String>,
    family_name: String,
    birth_name: String,
    given_name: String,
    birth_date: Option<NaiveDate>,
    sex: String,
    france_travail_id: Option<String>,
    rights_and_duties: Option<bool>,
}

impl PersonDraft {
    fn finish<R: Read>(self, reader: &FluxReader<R>) -> Result<Person, FluxError> {
        let role = self.role.ok_or_else(|| {
            reader.error(format!(
                "{} {} n'a pas de rôle dans le RSA (bloc Prestations NATPREST RSA, ROLEPERS)",
                self.given_name, self.family_name
            ))
        })?;
        Ok(Person {
            role,
            nir: self.nir,
            family_name: self.family_name,
            birth_name: self.birth_name,
            given_name: self.given_name,
            birth_date: self.birth_date,
            sex: self.sex,
            france_travail_id: self.france_travail_id,
            rights_and_duties: self.rights_and_duties,
            internal_id: None,
        })
    }
}

/// The encoding the XML declaration names, in the file's first bytes; UTF-8 otherwise.
fn declared_encoding(start: &[u8]) -> &'static Encoding {
    let start = String::from_utf8_lossy(&start[..start.len().min(200)]);
    start
        .split_once("encoding=")
        .and_then(|(_, rest)| {
            let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            rest[1..].split(quote).next()
        })
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .unwrap_or(encoding_rs::UTF_8)
}

fn io_error(line: u64, e: &std::io::Error) -> FluxError {
    FluxError {
        line,
        message: format!("le fichier n'a pas pu être lu ({e})"),
        row: false,
        household: None,
    }
}

#[cfg(test)]
mod tests;

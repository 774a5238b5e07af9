//! Writing a licence face as an OFD (GB/T 33190 版式文档, the file GB/T 36905 asks for),
//! from the same display list the PDF is drawn from (`zhengku_pdf::face`), so the two
//! files of a licence show the same runs at the same places (feature `render`).
//!
//! The package, in one strict form:
//!
//! ```text
//! OFD.xml                          DocInfo (DocID, title, author, dates, CustomDatas with
//!                                  the GB/T 36903 metadata), DocRoot
//! Doc_0/Document.xml               one page area, the resources, the page, the reserved
//!                                  annotation list, the attachment list
//! Doc_0/PublicRes.xml              the font: a subset with a Unicode cmap
//! Doc_0/DocumentRes.xml            the QR code image
//! Doc_0/Res/font_0.otf, qr.png
//! Doc_0/Pages/Page_0/Content.xml   a background layer (the art) and a body layer (text,
//!                                  the QR image)
//! Doc_0/Annots/Annotations.xml     empty: the reserved slot an annotated copy (加注件)
//!                                  fills with its watermark; a seal leaves it out
//! Doc_0/Attachs/Attachments.xml    the signed licence record (`licence.zkl`) and the
//!                                  issuer's licence-signing certificate
//!                                  (`licence-signer.cer`), not shown
//! ```
//!
//! Paths are written in page millimetres (the display list's points turned and flipped),
//! each `PathObject` and `TextObject` with the page as its boundary, so a point means the
//! same in every reader. Text is Unicode in `TextCode` with `DeltaX` carrying each
//! character's advance, so readers that use their own font still place every character
//! where the PDF has it. The seal impression is not page content: the seal signature's
//! `StampAnnot` places the seal's own picture ([`crate::sign`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use zhengku_pdf::face::{Face, Op, PT_PER_MM, Paint, TextRun, concat as mul};
use zhengku_pdf::font::CjkFont;
use zhengku_pdf::render::RenderError;

use crate::Package;

pub(crate) const NS: &str = "http://www.ofdspec.org/2016";
/// The page's ID, which a seal's `StampAnnot` names as its `PageRef`.
pub const PAGE_ID: &str = "1";
/// The reserved annotation list; a seal over an original leaves it out of its references.
pub const ANNOTATIONS: &str = "Doc_0/Annots/Annotations.xml";
const ATTACHS: &str = "Doc_0/Attachs";

/// What the file says about itself besides the face.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// `DocID`: the licence identifier.
    pub doc_id: String,
    /// `Title`.
    pub title: String,
    /// `Author`: the issuing department.
    pub author: String,
    /// `CreationDate`, `YYYY-MM-DD`.
    pub creation_date: String,
    /// `CustomDatas`, by name, in order.
    pub custom: Vec<(String, String)>,
    /// The signed licence record, attached as [`crate::RECORD_FILE_NAME`].
    pub record: Vec<u8>,
    /// The issuing department's licence-signing certificate (DER), attached as
    /// [`crate::SIGNER_FILE_NAME`] when given.
    pub issuer_certificate: Option<Vec<u8>>,
}

/// XML text or attribute value, escaped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\t' && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A millimetre value, at most three decimals, no trailing zeros.
pub(crate) fn num(v: f32) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn colour([r, g, b]: [f32; 3]) -> String {
    let c = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("{} {} {}", c(r), c(g), c(b))
}

#[derive(Clone, Copy)]
struct State {
    ctm: [f32; 6],
    fill: [f32; 3],
    stroke: [f32; 3],
    line_width: f32,
    round_join: bool,
}

/// Display-list ops into OFD page objects.
struct PageWriter<'a> {
    height_pt: f32,
    boundary: String,
    state: State,
    stack: Vec<State>,
    path: String,
    next_id: &'a mut u32,
    font_id: u32,
    out: String,
}

impl PageWriter<'_> {
    fn id(&mut self) -> u32 {
        *self.next_id += 1;
        *self.next_id
    }

    /// A user-space point in page millimetres.
    fn point(&self, x: f32, y: f32) -> String {
        let m = self.state.ctm;
        let (px, py) = (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
        format!(
            "{} {}",
            num(px / PT_PER_MM),
            num((self.height_pt - py) / PT_PER_MM)
        )
    }

    fn op(&mut self, op: &Op) {
        match op {
            Op::Save => self.stack.push(self.state),
            Op::Restore => {
                if let Some(s) = self.stack.pop() {
                    self.state = s;
                }
            }
            Op::Transform(m) => self.state.ctm = mul(*m, self.state.ctm),
            Op::FillRgb(c) => self.state.fill = *c,
            Op::StrokeRgb(c) => self.state.stroke = *c,
            Op::LineWidth(w) => self.state.line_width = *w,
            Op::RoundJoin => self.state.round_join = true,
            Op::MoveTo(x, y) => {
                let p = self.point(*x, *y);
                let _ = write!(self.path, "M {p} ");
            }
            Op::LineTo(x, y) => {
                let p = self.point(*x, *y);
                let _ = write!(self.path, "L {p} ");
            }
            Op::CubicTo([a, b, c, d, e, f]) => {
                let (p1, p2, p3) = (self.point(*a, *b), self.point(*c, *d), self.point(*e, *f));
                let _ = write!(self.path, "B {p1} {p2} {p3} ");
            }
            Op::Close => self.path.push_str("C "),
            Op::Rect([x, y, w, h]) => {
                let (p0, p1) = (self.point(*x, *y), self.point(x + w, *y));
                let (p2, p3) = (self.point(x + w, y + h), self.point(*x, y + h));
                let _ = write!(self.path, "M {p0} L {p1} L {p2} L {p3} C ");
            }
            Op::Paint(p) => self.paint(*p),
            Op::Text(run) => self.text(run),
        }
    }

    fn scale(&self) -> f32 {
        let m = self.state.ctm;
        (m[0] * m[3] - m[1] * m[2]).abs().sqrt()
    }

    fn paint(&mut self, p: Paint) {
        let path = std::mem::take(&mut self.path);
        if p == Paint::None || path.is_empty() {
            return;
        }
        let id = self.id();
        let s = self.state;
        let _ = write!(
            self.out,
            "<ofd:PathObject ID=\"{id}\" Boundary=\"{}\" Fill=\"{}\" Stroke=\"{}\"",
            self.boundary,
            p.fills(),
            p.strokes()
        );
        if p.even_odd() {
            self.out.push_str(" Rule=\"Even-Odd\"");
        }
        if p.strokes() {
            let _ = write!(
                self.out,
                " LineWidth=\"{}\"",
                num(s.line_width * self.scale() / PT_PER_MM)
            );
            if s.round_join {
                self.out.push_str(" Join=\"Round\"");
            }
        }
        self.out.push('>');
        if p.fills() {
            let _ = write!(self.out, "<ofd:FillColor Value=\"{}\"/>", colour(s.fill));
        }
        if p.strokes() {
            let _ = write!(
                self.out,
                "<ofd:StrokeColor Value=\"{}\"/>",
                colour(s.stroke)
            );
        }
        let _ = write!(
            self.out,
            "<ofd:AbbreviatedData>{}</ofd:AbbreviatedData></ofd:PathObject>",
            path.trim_end()
        );
    }

    fn text(&mut self, run: &TextRun) {
        if run.text.is_empty() {
            return;
        }
        let id = self.id();
        let scale = self.scale();
        let size = run.size * scale / PT_PER_MM;
        let origin = self.point(run.x, run.y);
        let (x, y) = origin.split_once(' ').unwrap_or(("0", "0"));
        let deltas: Vec<String> = run
            .advances
            .iter()
            .take(run.advances.len().saturating_sub(1))
            .map(|a| num((a + run.spacing) * scale / PT_PER_MM))
            .collect();
        let _ = write!(
            self.out,
            "<ofd:TextObject ID=\"{id}\" Boundary=\"{}\" Font=\"{}\" Size=\"{}\"",
            self.boundary,
            self.font_id,
            num(size)
        );
        if run.bold {
            let _ = write!(
                self.out,
                " Stroke=\"true\" LineWidth=\"{}\" Weight=\"700\"",
                num(run.size * 0.035 * scale / PT_PER_MM)
            );
        }
        let _ = write!(
            self.out,
            "><ofd:FillColor Value=\"{}\"/>",
            colour(run.colour)
        );
        if run.bold {
            let _ = write!(
                self.out,
                "<ofd:StrokeColor Value=\"{}\"/>",
                colour(run.colour)
            );
        }
        let _ = write!(self.out, "<ofd:TextCode X=\"{x}\" Y=\"{y}\"");
        if !deltas.is_empty() {
            let _ = write!(self.out, " DeltaX=\"{}\"", deltas.join(" "));
        }
        let _ = write!(
            self.out,
            ">{}</ofd:TextCode></ofd:TextObject>",
            esc(&run.text)
        );
    }
}

/// Plays `ops` (on a page of `width` × `height` points) as page objects; returns the
/// objects' XML. Text runs name the font `font_id`.
pub(crate) fn objects(
    (width, height): (f32, f32),
    ops: &[Op],
    next_id: &mut u32,
    font_id: u32,
) -> String {
    let mut w = PageWriter {
        height_pt: height,
        boundary: format!("0 0 {} {}", num(width / PT_PER_MM), num(height / PT_PER_MM)),
        state: State {
            ctm: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            fill: [0.0; 3],
            stroke: [0.0; 3],
            line_width: 1.0,
            round_join: false,
        },
        stack: Vec::new(),
        path: String::new(),
        next_id,
        font_id,
        out: String::new(),
    };
    for op in ops {
        w.op(op);
    }
    w.out
}

/// The face as an OFD package (module docs). Unsigned: seal it with [`crate::sign::seal`],
/// leaving [`ANNOTATIONS`] out.
pub fn write(face: &Face<'_>, font: &CjkFont, meta: &Metadata) -> Result<Package, RenderError> {
    let mut chars: BTreeMap<char, u16> = BTreeMap::new();
    for run in face.runs() {
        for (c, &g) in run.text.chars().zip(&run.glyphs) {
            chars.entry(c).or_insert(g);
        }
    }
    let font_file = zhengku_pdf::otf::unicode_subset(font, &chars)?;
    let qr_png = face.qr.symbol.to_png(8)?;
    let (w_mm, h_mm) = (num(face.width / PT_PER_MM), num(face.height / PT_PER_MM));

    // Unit IDs: 1 is the page; then the font, the image, the layers and every object.
    let font_id = 2u32;
    let qr_id = 3u32;
    let mut next_id = 3u32;
    // The art is the same for every licence of the type: its objects are numbered from a
    // fixed start after the page's own, so the cached XML stays valid.
    let art_start = 1000u32;
    let body = {
        next_id += 1;
        let layer = next_id;
        let objects = objects((face.width, face.height), &face.ops, &mut next_id, font_id);
        next_id += 1;
        let (qx, qy) = face.mm((face.qr.x, face.qr.top));
        let qs = num(face.qr.size / PT_PER_MM);
        let image = format!(
            "<ofd:ImageObject ID=\"{next_id}\" Boundary=\"{} {} {qs} {qs}\" CTM=\"{qs} 0 0 {qs} 0 0\" ResourceID=\"{qr_id}\"/>",
            num(qx),
            num(qy)
        );
        format!("<ofd:Layer ID=\"{layer}\" Type=\"Body\">{objects}{image}</ofd:Layer>")
    };
    let art_ops = face.art.ops();
    let art = face.art.cached(|ops| {
        let mut id = art_start;
        let objects = objects((face.width, face.height), ops, &mut id, font_id);
        format!("<ofd:Layer ID=\"{art_start}\" Type=\"Background\">{objects}</ofd:Layer>")
            .into_bytes()
    });
    let art_count = u32::try_from(art_ops.len()).unwrap_or(u32::MAX);
    if next_id >= art_start {
        return Err(RenderError::Font(format!(
            "{next_id} page objects: more than the {art_start} the face may have"
        )));
    }
    let max_id = art_start.saturating_add(art_count).saturating_add(1);

    let mut p = Package::default();
    let custom: String = meta
        .custom
        .iter()
        .map(|(k, v)| {
            format!(
                "<ofd:CustomData Name=\"{}\">{}</ofd:CustomData>",
                esc(k),
                esc(v)
            )
        })
        .collect();
    put(
        &mut p,
        "OFD.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <ofd:OFD xmlns:ofd=\"{NS}\" DocType=\"OFD\" Version=\"1.0\"><ofd:DocBody>\
             <ofd:DocInfo><ofd:DocID>{}</ofd:DocID><ofd:Title>{}</ofd:Title>\
             <ofd:Author>{}</ofd:Author><ofd:CreationDate>{}</ofd:CreationDate>\
             <ofd:Creator>zhengku 证库</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion>\
             <ofd:CustomDatas>{custom}</ofd:CustomDatas></ofd:DocInfo>\
             <ofd:DocRoot>/Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
            esc(&meta.doc_id),
            esc(&meta.title),
            esc(&meta.author),
            esc(&meta.creation_date),
            env!("CARGO_PKG_VERSION"),
        ),
    );
    put(
        &mut p,
        "Doc_0/Document.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <ofd:Document xmlns:ofd=\"{NS}\"><ofd:CommonData>\
             <ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>\
             <ofd:PageArea><ofd:PhysicalBox>0 0 {w_mm} {h_mm}</ofd:PhysicalBox></ofd:PageArea>\
             <ofd:PublicRes>/Doc_0/PublicRes.xml</ofd:PublicRes>\
             <ofd:DocumentRes>/Doc_0/DocumentRes.xml</ofd:DocumentRes>\
             </ofd:CommonData><ofd:Pages>\
             <ofd:Page ID=\"{PAGE_ID}\" BaseLoc=\"/Doc_0/Pages/Page_0/Content.xml\"/>\
             </ofd:Pages><ofd:Annotations>/{ANNOTATIONS}</ofd:Annotations>\
             <ofd:Attachments>/Doc_0/Attachs/Attachments.xml</ofd:Attachments>\
             </ofd:Document>"
        ),
    );
    let family = esc(font.family());
    put(
        &mut p,
        "Doc_0/PublicRes.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"/Doc_0/Res\"><ofd:Fonts>\
             <ofd:Font ID=\"{font_id}\" FontName=\"{}\" FamilyName=\"{family}\">\
             <ofd:FontFile>/Doc_0/Res/font_0.otf</ofd:FontFile></ofd:Font>\
             </ofd:Fonts></ofd:Res>",
            esc(font.postscript_name())
        ),
    );
    put(
        &mut p,
        "Doc_0/DocumentRes.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"/Doc_0/Res\"><ofd:MultiMedias>\
             <ofd:MultiMedia ID=\"{qr_id}\" Type=\"Image\" Format=\"PNG\">\
             <ofd:MediaFile>/Doc_0/Res/qr.png</ofd:MediaFile></ofd:MultiMedia>\
             </ofd:MultiMedias></ofd:Res>"
        ),
    );
    p.insert("Doc_0/Res/font_0.otf", font_file);
    p.insert("Doc_0/Res/qr.png", qr_png);
    let mut page = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <ofd:Page xmlns:ofd=\"{NS}\"><ofd:Content>"
    );
    page.push_str(&String::from_utf8_lossy(art));
    page.push_str(&body);
    page.push_str("</ofd:Content></ofd:Page>");
    put(&mut p, "Doc_0/Pages/Page_0/Content.xml", page);
    put(
        &mut p,
        ANNOTATIONS,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Annotations xmlns:ofd=\"{NS}\"/>"),
    );
    let mut attachments = String::new();
    let mut attach = |id: &str, name: &str, format: &str, data: Vec<u8>| {
        // Size is in KB (GB/T 33190).
        let kib = data.len().div_ceil(1024).max(1);
        let _ = write!(
            attachments,
            "<ofd:Attachment ID=\"{id}\" Name=\"{name}\" Format=\"{format}\" \
             CreationDate=\"{}\" Size=\"{kib}\" Visible=\"false\" Usage=\"none\">\
             <ofd:FileLoc>/{ATTACHS}/{name}</ofd:FileLoc></ofd:Attachment>",
            esc(&meta.creation_date)
        );
        let _ = p.insert(&format!("{ATTACHS}/{name}"), data);
    };
    attach(
        "licence",
        crate::RECORD_FILE_NAME,
        "application/cbor",
        meta.record.clone(),
    );
    if let Some(cert) = &meta.issuer_certificate {
        attach(
            "signer",
            crate::SIGNER_FILE_NAME,
            "application/pkix-cert",
            cert.clone(),
        );
    }
    put(
        &mut p,
        &format!("{ATTACHS}/Attachments.xml"),
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <ofd:Attachments xmlns:ofd=\"{NS}\">{attachments}</ofd:Attachments>"
        ),
    );
    Ok(p)
}

fn put(p: &mut Package, name: &str, xml: String) {
    // Every name here is a constant safe name.
    let _ = p.insert(name, xml.into_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.12345), "0.123");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(210.5), "210.5");
    }

    #[test]
    fn transforms_concatenate_as_in_pdf() {
        // Scale by 2, then move by (10, 0): a point at 1 lands at 12.
        let m = mul(
            [2.0, 0.0, 0.0, 2.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 1.0, 10.0, 0.0],
        );
        assert_eq!(m[0] * 1.0 + m[4], 12.0);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b>&\"c\u{1}"), "a&lt;b&gt;&amp;&quot;c");
    }
}

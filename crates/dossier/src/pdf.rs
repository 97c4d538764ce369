//! Typesetting with typst as a library: a world of files held in memory (the template, its
//! data, the maps) and the fonts that come with the binary (typst-assets), so the PDF needs
//! no system fonts and its bytes depend only on what is passed in.

use anyhow::{anyhow, Result};
use std::collections::HashMap;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

/// The fonts of typst-assets (Libertinus Serif, New Computer Modern, DejaVu Sans Mono), parsed once.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

struct Memory {
    main: FileId,
    source: Source,
    files: HashMap<FileId, Bytes>,
}

fn id(path: &str) -> Result<FileId> {
    let vpath = VirtualPath::new(path).map_err(|e| anyhow!("{path}: not a file name for the typesetter: {e:?}"))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for Memory {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or_else(|| FileError::NotFound(id.vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    /// No clock: a document that asks for today's date gets none (the bytes must not depend on
    /// the day they were made).
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// Typesets `template` with the named `files` (data, images) beside it into PDF bytes; `ident`
/// names the document stably (the PDF's identifier is derived from it). A template error is a
/// program error: it names the message and where in the template.
pub fn typeset(template: &str, files: &[(&str, Vec<u8>)], ident: &str) -> Result<Vec<u8>> {
    let main = id("main.typ")?;
    let mut world = Memory { main, source: Source::new(main, template.to_owned()), files: HashMap::new() };
    for (name, bytes) in files {
        world.files.insert(id(name)?, Bytes::new(bytes.clone()));
    }
    let fail = |diagnostics: &[typst::diag::SourceDiagnostic]| {
        let lines: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                let at = world
                    .range(d.span)
                    .map(|r| {
                        format!(" (template line {})", world.source.lines().byte_to_line(r.start).unwrap_or(0) + 1)
                    })
                    .unwrap_or_default();
                format!("{}{at}", d.message)
            })
            .collect();
        anyhow!("typesetting the PDF failed: {}", lines.join("; "))
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|d| fail(&d))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some(format!("spreiding {}", env!("CARGO_PKG_VERSION")))),
        timestamp: None,
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|d| fail(&d))
}

#[cfg(test)]
mod tests {
    use super::typeset;

    #[test]
    fn the_same_input_gives_the_same_bytes_without_a_date() {
        let template = "#set text(font: \"Libertinus Serif\")\n#let d = json(\"d.json\")\n= #d.title\nÉén, twee: #d.n";
        let files = [("d.json", br#"{"title": "Verdeling", "n": "1.065"}"#.to_vec())];
        let a = typeset(template, &files, "test").unwrap();
        let b = typeset(template, &files, "test").unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
        let text = String::from_utf8_lossy(&a);
        assert!(!text.contains("/CreationDate") && !text.contains("/ModDate"), "a date in the PDF");
        // Another identifier gives another document id, nothing else.
        assert_ne!(a, typeset(template, &files, "other").unwrap());
    }

    #[test]
    fn template_errors_name_the_line_and_missing_files_the_file() {
        let e = typeset("= Titel\n\n#let x = (\n", &[], "t").unwrap_err().to_string();
        assert!(e.starts_with("typesetting the PDF failed:") && e.contains("(template line 3)"), "{e}");
        let e = typeset("#json(\"missing.json\")", &[], "t").unwrap_err().to_string();
        assert!(e.contains("missing.json"), "{e}");
        // A file name the typesetter cannot take.
        assert!(typeset("x", &[("../up.json", vec![])], "t").is_err());
    }
}

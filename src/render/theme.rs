//! Colour, applied through plain styles; whether to colour is decided by `cmd::settings` (a
//! colourless theme emits no escape sequences at all).

use owo_colors::{OwoColorize, Style};

use crate::engine::Status;

/// Styles for each kind of text.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub success: Style,
    pub progress: Style,
    pub error: Style,
    pub dim: Style,
    pub bold: Style,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        if color {
            Theme {
                success: Style::new().green(),
                progress: Style::new().yellow(),
                error: Style::new().red().bold(),
                dim: Style::new().dimmed(),
                bold: Style::new().bold(),
            }
        } else {
            Theme::plain()
        }
    }

    pub fn plain() -> Self {
        Theme {
            success: Style::new(),
            progress: Style::new(),
            error: Style::new(),
            dim: Style::new(),
            bold: Style::new(),
        }
    }

    pub fn status_style(&self, status: Status) -> Style {
        match status {
            Status::Success => self.success,
            Status::InProgress => self.progress,
            Status::Error | Status::TimedOut => self.error,
        }
    }

    pub fn paint(&self, style: Style, text: &str) -> String {
        text.style(style).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_theme_emits_no_escapes() {
        let theme = Theme::plain();
        assert_eq!(theme.paint(theme.error, "Error"), "Error");
        let colored = Theme::new(true);
        assert_ne!(colored.paint(colored.error, "Error"), "Error");
    }
}

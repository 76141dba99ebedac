//! Colour: decided once from --color and the environment, then applied through plain styles
//! (a colourless theme emits no escape sequences at all).

use owo_colors::{OwoColorize, Style};

use crate::cli::ColorChoice;
use crate::engine::Status;

/// The environment facts the colour decision depends on.
#[derive(Debug, Clone, Default)]
pub struct ColorEnv {
    pub no_color: bool,
    pub clicolor_force: bool,
    pub term_dumb: bool,
    pub is_terminal: bool,
}

impl ColorEnv {
    /// Reads NO_COLOR, CLICOLOR_FORCE and TERM; `is_terminal` is for the stream being written.
    pub fn from_process(is_terminal: bool) -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        ColorEnv {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            clicolor_force: set("CLICOLOR_FORCE"),
            term_dumb: std::env::var("TERM").is_ok_and(|t| t == "dumb"),
            is_terminal,
        }
    }
}

/// Whether to colour output: an explicit flag wins; otherwise NO_COLOR disables, CLICOLOR_FORCE
/// enables, and a terminal that is not `dumb` enables.
pub fn use_color(choice: ColorChoice, env: &ColorEnv) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.clicolor_force => true,
        ColorChoice::Auto => env.is_terminal && !env.term_dumb,
    }
}

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

    fn env(no_color: bool, force: bool, dumb: bool, tty: bool) -> ColorEnv {
        ColorEnv {
            no_color,
            clicolor_force: force,
            term_dumb: dumb,
            is_terminal: tty,
        }
    }

    #[test]
    fn colour_decision_matrix() {
        use ColorChoice::*;
        assert!(use_color(Auto, &env(false, false, false, true)));
        assert!(
            !use_color(Auto, &env(false, false, false, false)),
            "not a terminal"
        );
        assert!(!use_color(Auto, &env(true, false, false, true)), "NO_COLOR");
        assert!(
            !use_color(Auto, &env(true, true, false, true)),
            "NO_COLOR beats CLICOLOR_FORCE"
        );
        assert!(
            use_color(Auto, &env(false, true, false, false)),
            "CLICOLOR_FORCE in a pipe"
        );
        assert!(
            !use_color(Auto, &env(false, false, true, true)),
            "TERM=dumb"
        );
        assert!(
            use_color(Always, &env(true, false, true, false)),
            "the flag wins"
        );
        assert!(
            !use_color(Never, &env(false, true, false, true)),
            "the flag wins"
        );
    }

    #[test]
    fn plain_theme_emits_no_escapes() {
        let theme = Theme::plain();
        assert_eq!(theme.paint(theme.error, "Error"), "Error");
        let colored = Theme::new(true);
        assert_ne!(colored.paint(colored.error, "Error"), "Error");
    }
}

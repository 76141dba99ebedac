//! GitLab CI integration: the job log's collapsible sections that progress goes into, written
//! expanded so a reader sees progress without a click.

/// Opens a section of the job log, started at `unix_seconds` (GitLab shows its duration).
pub fn section_start(title: &str, unix_seconds: u64) -> String {
    format!(
        "\x1b[0Ksection_start:{unix_seconds}:{}[collapsed=false]\r\x1b[0K{}",
        section_name(title),
        header(title)
    )
}

/// Closes the section opened with the same title.
pub fn section_end(title: &str, unix_seconds: u64) -> String {
    format!(
        "\x1b[0Ksection_end:{unix_seconds}:{}\r\x1b[0K",
        section_name(title)
    )
}

/// GitLab accepts only letters, digits, `_`, `.` and `-` in a section name: anything else (a
/// step's path, spaces) becomes `_`.
fn section_name(title: &str) -> String {
    title
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '.' | '-' => c,
            _ => '_',
        })
        .collect()
}

/// The header is the rest of the marker's line: a line break or escape in it would end the
/// marker early or restyle the log.
fn header(title: &str) -> String {
    title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_starts_expanded_with_its_header() {
        assert_eq!(
            section_start("kstatus apply progress", 1_764_547_200),
            "\x1b[0Ksection_start:1764547200:kstatus_apply_progress[collapsed=false]\r\x1b[0K\
             kstatus apply progress"
        );
    }

    #[test]
    fn a_section_ends_under_the_name_it_started_with() {
        assert_eq!(
            section_end("kstatus apply progress", 1_764_547_212),
            "\x1b[0Ksection_end:1764547212:kstatus_apply_progress\r\x1b[0K"
        );
    }

    #[test]
    fn a_step_path_becomes_a_valid_section_name_and_a_one_line_header() {
        let title = "kstatus apply step 1/2 deploy/01 db\n(ä).yaml";
        let start = section_start(title, 7);
        assert_eq!(
            start,
            "\x1b[0Ksection_start:7:kstatus_apply_step_1_2_deploy_01_db____.yaml[collapsed=false]\
             \r\x1b[0Kkstatus apply step 1/2 deploy/01 db (ä).yaml"
        );
        let name = start
            .strip_prefix("\x1b[0Ksection_start:7:")
            .and_then(|rest| rest.split_once('['))
            .map(|(name, _)| name)
            .unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
            "{name}"
        );
        assert_eq!(
            section_end(title, 9),
            "\x1b[0Ksection_end:9:kstatus_apply_step_1_2_deploy_01_db____.yaml\r\x1b[0K"
        );
    }
}

//! Markdown from users (event descriptions, abstracts) rendered to HTML and sanitized.

use pulldown_cmark::{Options, Parser, html};

pub fn render(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, parser);
    // ammonia removes scripts, event handlers and javascript: URLs, and adds rel="noopener noreferrer".
    ammonia::clean(&unsafe_html)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_and_sanitizes() {
        let html = super::render(
            "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("javascript:"));
    }
}

"""腾讯问卷 exports → a draft bank (see ../shared/formats/platform-exports.md)."""

#pragma once
// The app's widget style in both themes: Fusion (platform styles may ignore the palette), with the outline of
// check boxes, radio buttons and the check marks of lists drawn in the text colour. Fusion outlines them in
// the window colour darkened: about 2:1 against the window in the light theme, and an unticked box all but
// invisible in the dark one; controls need 3:1 (WCAG 2.1, 1.4.11).
class QStyle;

namespace ts::ui {

/// Makes it the application's style (once; the palette stays the theme's).
void useContrastStyle();

}  // namespace ts::ui

/// Something that draws itself into a rectangle of a `Buffer`, from values it was given.
public protocol Widget {
    /// Draws into `area` of `buffer`; nothing outside `area` is touched.
    func render(in area: Rect, buffer: inout Buffer)
}

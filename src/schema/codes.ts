/**
 * The one list of metadata issue codes: every code that the models in `src/schema`, the nodes
 * (`InvalidMetadataError.issues[].code`) and {@link validateOmeObject}, {@link validateOmeJson}
 * and {@link validateStore} report, with what it means. Codes are stable: match on them, not on
 * messages. `src/validate/codes.ts` re-exports this list; a test fails when a code is used in
 * `src/nodes`, `src/schema` or `src/validate` that is not declared here.
 */
export const ISSUE_CODES = {
  // Document and JSON structure
  invalid_json: "the text is not JSON",
  invalid_type: "a value has the wrong JSON type (e.g. a number where a string is required)",
  missing_key: "a required key is absent",
  invalid_value: "a value is not one of the allowed values (e.g. a transformation type)",
  invalid_format: "a string does not match the required pattern (e.g. a plate row name)",
  too_few_items: "a list is shorter than allowed (e.g. empty datasets, rgba of 3)",
  too_many_items: "a list is longer than allowed (e.g. rgba of 5)",
  out_of_range: "a number is out of its range (e.g. a negative acquisition id, rgba 500)",
  duplicate_item: "a list entry equals an earlier one (JSON Schema uniqueItems)",
  // Version and kind
  missing_version: 'a 0.5 document has no "ome.version"',
  invalid_version: "a version key holds another version than the document's",
  unknown_kind: "no OME-NGFF key identifies what the group is",
  // Axes
  axes_count: "a multiscale has fewer than 2 or more than 5 axes",
  space_axes_count: 'a multiscale has fewer than 2 or more than 3 axes of type "space"',
  time_axes_count: 'a multiscale has more than one axis of type "time"',
  channel_axes_count: 'a multiscale has more than one axis of type "channel"',
  custom_axes_count: "a multiscale has more than one axis of custom or missing type",
  axes_order: "axes are not ordered time, then channel or custom, then space",
  duplicate_axis_name: "two axes share a name",
  // Coordinate transformations and datasets
  scale_count: "a transformation list does not have exactly one scale",
  translation_count: "a transformation list has more than one translation",
  transform_order: "a translation comes before the scale",
  transform_length: "a scale or translation vector's length differs from the number of axes",
  dataset_order: "a dataset has a finer space scale than the one before it",
  // Labels
  duplicate_label_value: "two image-label colors share a label-value",
  label_dtype: "a label image array does not have an integer dtype (validateStore)",
  label_levels: "a label image has a different number of levels than its image (validateStore)",
  label_shape:
    "a label array with the image's axes has a dimension that is neither the image's size at that level nor 1 (validateStore)",
  // Plates and wells
  duplicate_row_name: "two plate rows share a name",
  duplicate_column_name: "two plate columns share a name",
  duplicate_well_path: "two plate wells share a path",
  duplicate_acquisition_id: "two plate acquisitions share an id",
  well_path_mismatch: 'a well path is not "<rows[rowIndex]>/<columns[columnIndex]>"',
  row_index_range: "a well's rowIndex is not an index into rows",
  column_index_range: "a well's columnIndex is not an index into columns",
  duplicate_image_path: "two fields of view of a well share a path",
  well_acquisition:
    "a field of view names no acquisition of its plate, or none though the plate has several (validateStore)",
  scale_not_positive:
    "a scale the node API would write is zero or negative (the spec sets no sign; ngff-writer refuses it)",
  // Node API: metadata the caller asked for that cannot be written
  channel_names: "channel names are not a list of strings, or their number differs from the data",
  channel_names_unique: "two channel names are the same",
  window: "an omero display window is not { start, end, min, max } with min <= max",
  unknown_well: "a well named by an operation is not listed in the plate",
  unknown_acquisition: "a field of view names an acquisition the plate does not declare",
  invalid_plate_layout:
    "a plate's stored layout declaration (ngff-writer:plate-layout) is not valid",
  field_count_exceeded: "a well would get more fields of view than the plate's declared fieldCount",
  position_path_format: 'a position key is not "<row>/<column>/<field>"',
  position_mismatch: "positions given to Plate.fromPositions disagree (channels, axes, version)",
  empty: "nothing was given where at least one item is needed (e.g. Plate.fromPositions)",
  invalid_option: "an option of a node operation has a wrong value",
  // Store structure (validateStore)
  missing_array: "a dataset path does not lead to an array",
  missing_group:
    "a well, field of view, label image or series image listed in metadata is not a group",
  ndim_mismatch: "an array's number of dimensions differs from the number of axes",
  dimension_names_mismatch: "a Zarr v3 array's dimension_names differ from the axis names",
  level_shape: "a level's shape is larger than the previous level's along some axis",
  level_scale: "a level's shape does not match the ratio of its scale to the previous level's",
  format_mismatch: "a group's Zarr format does not match its NGFF version (0.4 ↔ v2, 0.5 ↔ v3)",
  version_mismatch: "groups of one hierarchy carry different NGFF versions",
  unsafe_path: "a path in the metadata would leave the store or is not a valid key",
  unreadable: "a metadata file could not be read or parsed",
} as const;

/** A stable issue code (a key of {@link ISSUE_CODES}). */
export type IssueCode = keyof typeof ISSUE_CODES;

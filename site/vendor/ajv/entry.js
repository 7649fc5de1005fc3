// the browser bundle of the recognition page's validator: Ajv (JSON Schema 2020-12) with ajv-formats
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
window.CrmAjv = { Ajv2020: Ajv2020, addFormats: addFormats };

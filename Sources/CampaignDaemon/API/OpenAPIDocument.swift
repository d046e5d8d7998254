/// The OpenAPI 3.1 description of the HTTP API, served at `/v1/openapi.json`. The same text is checked
/// in as `docs/openapi.json` (a test keeps the two equal and checks every route is described).
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "campaignd HTTP API",
    "version": "1.0.0",
    "description": "Calls, campaigns, the do-not-call list and CDRs of a running campaignd (api.listen). Errors are {\"error\": {\"code\", \"message\", \"details\"}}; a 2xx is sent only after the write is committed."
  },
  "paths": {
    "/healthz": {
      "get": {
        "summary": "Liveness: 200 while the daemon runs",
        "security": [],
        "responses": {
          "200": {
            "description": "running"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (when api.metrics is true)",
        "security": [],
        "responses": {
          "200": {
            "description": "text exposition 0.0.4",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "security": [],
        "responses": {
          "200": {
            "description": "OpenAPI 3.1"
          }
        }
      }
    },
    "/v1/calls": {
      "post": {
        "summary": "Queue one call (paced like any other)",
        "security": [
          {
            "bearer": [
              "calls"
            ]
          },
          {
            "basic": [
              "calls"
            ]
          }
        ],
        "parameters": [
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 255
            },
            "description": "The same key from the same API key within 24 h returns the first response and does nothing more."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CallRequest"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "queued and committed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CallCreated"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/calls/{id}": {
      "get": {
        "summary": "A call: state, attempts, CDRs",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "the call",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Call"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns": {
      "get": {
        "summary": "Every campaign with its status counts",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "responses": {
          "200": {
            "description": "campaigns",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "campaigns": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/CampaignStatus"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "post": {
        "summary": "Import a campaign (campaign-file JSON, or CSV with ?id=); all or nothing",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "validate",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean",
              "default": false
            },
            "description": "true: validate the request exactly as an import would and answer 200 with a ValidationResult, importing nothing (a 422 lists every problem with its line and field)."
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 255
            },
            "description": "The same key from the same API key within 24 h returns the first response and does nothing more."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CampaignFile"
              }
            },
            "text/csv": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "with ?validate=true: valid, and nothing imported",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ValidationResult"
                }
              }
            }
          },
          "201": {
            "description": "imported (200 when it existed or the content was imported before)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ImportResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}": {
      "get": {
        "summary": "A campaign with its status counts",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "the campaign",
            "content": {
              "application/json": {
                "schema": {
                  "allOf": [
                    {
                      "$ref": "#/components/schemas/CampaignStatus"
                    },
                    {
                      "type": "object",
                      "properties": {
                        "settings": {
                          "type": "object",
                          "description": "the campaign's settings as stored (the campaign file's keys, defaults applied)"
                        }
                      }
                    }
                  ]
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/pause": {
      "post": {
        "summary": "Pause a campaign",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "paused",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CampaignControl"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/resume": {
      "post": {
        "summary": "Resume a campaign",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "active",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CampaignControl"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/cancel": {
      "post": {
        "summary": "Cancel a campaign and every contact still waiting",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "cancelled",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CampaignControl"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/contacts": {
      "post": {
        "summary": "Append contacts (CSV, or JSON {\"contacts\": [...]})",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "validate",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean",
              "default": false
            },
            "description": "true: validate the request exactly as an import would and answer 200 with a ValidationResult, importing nothing (a 422 lists every problem with its line and field)."
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "maxLength": 255
            },
            "description": "The same key from the same API key within 24 h returns the first response and does nothing more."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "contacts": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Contact"
                    }
                  }
                },
                "required": [
                  "contacts"
                ]
              }
            },
            "text/csv": {
              "schema": {
                "type": "string"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "appended; with ?validate=true a ValidationResult, nothing imported",
            "content": {
              "application/json": {
                "schema": {
                  "oneOf": [
                    {
                      "$ref": "#/components/schemas/ImportResult"
                    },
                    {
                      "$ref": "#/components/schemas/ValidationResult"
                    }
                  ]
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/requeue-interrupted": {
      "post": {
        "summary": "Dial the campaign's interrupted contacts again (calls a crash or a stop cut short), as campaignd requeue ID --interrupted does",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "how many contacts were requeued",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "id": {
                      "type": "string"
                    },
                    "requeued": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/campaigns/{id}/report": {
      "get": {
        "summary": "The campaign's report, as campaignd report makes it: json (default), csv, text, or html with its charts and the calling-rules audit",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "format",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "json",
                "csv",
                "html",
                "text"
              ],
              "default": "json"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "the report",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              },
              "text/html": {
                "schema": {
                  "type": "string"
                }
              },
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/dnc": {
      "get": {
        "summary": "The do-not-call list",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "responses": {
          "200": {
            "description": "entries",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "entries": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "target": {
                            "type": "string"
                          },
                          "source": {
                            "type": "string"
                          },
                          "addedAt": {
                            "type": "string",
                            "format": "date-time"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      },
      "post": {
        "summary": "Add numbers to the do-not-call list",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "targets"
                ],
                "properties": {
                  "targets": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "source": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "added",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "added": {
                      "type": "integer"
                    },
                    "targets": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/dnc/{target}": {
      "delete": {
        "summary": "Remove a number from the do-not-call list",
        "security": [
          {
            "bearer": [
              "campaigns"
            ]
          },
          {
            "basic": [
              "campaigns"
            ]
          }
        ],
        "parameters": [
          {
            "name": "target",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "removed"
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/cdrs": {
      "get": {
        "summary": "CDRs from the CDR files, streamed; follow=true keeps streaming new ones",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "parameters": [
          {
            "name": "campaign",
            "in": "query",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "since",
            "in": "query",
            "schema": {
              "type": "string"
            },
            "description": "ISO 8601 date or time; CDRs that started at or after it"
          },
          {
            "name": "last",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 10000
            },
            "description": "only the newest N matching CDRs (with follow=true: then every new one)"
          },
          {
            "name": "format",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "jsonl",
                "csv"
              ],
              "default": "jsonl"
            }
          },
          {
            "name": "follow",
            "in": "query",
            "schema": {
              "type": "boolean",
              "default": false
            }
          }
        ],
        "responses": {
          "200": {
            "description": "one CDR per line, each a JSON object (#/components/schemas/CDR)",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    },
    "/v1/status": {
      "get": {
        "summary": "The daemon's health: version, calls in progress, trunks (registration, rate after back-pressure), webhook backlog",
        "security": [
          {
            "bearer": [
              "read"
            ]
          },
          {
            "basic": [
              "read"
            ]
          }
        ],
        "responses": {
          "200": {
            "description": "health",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Status"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "405": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          },
          "415": {
            "$ref": "#/components/responses/Error"
          },
          "422": {
            "$ref": "#/components/responses/Error"
          },
          "429": {
            "$ref": "#/components/responses/Error"
          },
          "503": {
            "$ref": "#/components/responses/Error"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer SECRET (api.keys[].secret)"
      },
      "basic": {
        "type": "http",
        "scheme": "basic",
        "description": "NAME:SECRET of an api.keys entry"
      }
    },
    "responses": {
      "Error": {
        "description": "An error. A 429 (rate-limited) carries Retry-After, and so does a 503 unavailable while another process holds the queue locked",
        "headers": {
          "Retry-After": {
            "description": "seconds to wait before trying again",
            "schema": {
              "type": "integer"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "code": {
                "type": "string",
                "examples": [
                  "validation-failed",
                  "unauthorized",
                  "on-dnc-list"
                ]
              },
              "message": {
                "type": "string"
              },
              "details": {
                "type": [
                  "array",
                  "null"
                ],
                "items": {
                  "type": "object",
                  "properties": {
                    "line": {
                      "type": [
                        "integer",
                        "null"
                      ]
                    },
                    "field": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "message": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          }
        }
      },
      "Contact": {
        "type": "object",
        "required": [
          "target"
        ],
        "properties": {
          "target": {
            "type": "string"
          },
          "caller": {
            "type": "string"
          },
          "timezone": {
            "type": "string"
          },
          "notifyUrl": {
            "type": "string",
            "format": "uri"
          },
          "metadata": {
            "type": "object"
          }
        }
      },
      "CallRequest": {
        "description": "A contact, plus either \"campaign\" (inherit its settings and limits) or any campaign settings (as in a campaign file: machineDetection, onHuman, onMachine, notifyUrl, answerTimeoutSec, maxRetryNo, ...).",
        "allOf": [
          {
            "$ref": "#/components/schemas/Contact"
          },
          {
            "type": "object",
            "properties": {
              "campaign": {
                "type": "string"
              },
              "machineDetection": {
                "type": "string",
                "enum": [
                  "disabled",
                  "detect",
                  "disconnect"
                ]
              },
              "onHuman": {
                "type": "object"
              },
              "onMachine": {
                "type": "object"
              },
              "answerTimeoutSec": {
                "type": "integer"
              },
              "maxRetryNo": {
                "type": "integer"
              },
              "notifyHeaders": {
                "type": "object"
              },
              "notifyEvents": {
                "type": "array",
                "items": {
                  "type": "string",
                  "enum": [
                    "started",
                    "ringing",
                    "early-media"
                  ]
                },
                "description": "call-progress webhooks before the answer"
              }
            },
            "additionalProperties": true
          }
        ]
      },
      "CallCreated": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "conversationId": {
            "type": "string"
          },
          "campaign": {
            "type": "string"
          },
          "state": {
            "const": "queued"
          }
        }
      },
      "Call": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "conversationId": {
            "type": "string"
          },
          "campaign": {
            "type": "string"
          },
          "target": {
            "type": "string"
          },
          "state": {
            "type": "string",
            "enum": [
              "queued",
              "dialing",
              "retry_wait",
              "done",
              "failed",
              "skipped",
              "cancelled",
              "interrupted"
            ]
          },
          "attempts": {
            "type": "integer"
          },
          "nextAttemptAt": {
            "type": [
              "string",
              "null"
            ]
          },
          "cdrs": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/CDR"
            }
          }
        }
      },
      "CDR": {
        "type": "object",
        "description": "One call detail record (README \"CDRs\"): one line of the CDR files and of GET /v1/cdrs. Fields not listed here are described in the README.",
        "properties": {
          "cdrId": {
            "type": "string"
          },
          "conversationId": {
            "type": "string"
          },
          "campaignId": {
            "type": "string"
          },
          "contactId": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "completed",
              "failed"
            ]
          },
          "reasonCode": {
            "type": "string"
          },
          "connectTarget": {
            "type": [
              "string",
              "null"
            ],
            "description": "Where the answered call was put through (onHuman.connect or onMachine.connect); null when it was not"
          },
          "connectSipCode": {
            "type": [
              "integer",
              "null"
            ],
            "description": "The second leg's final SIP status (bridge), or the REFER's outcome (refer)"
          },
          "connectAnswerMs": {
            "type": [
              "integer",
              "null"
            ],
            "description": "From the end of the person's greeting to the agent's or bot's answer"
          },
          "connectedSec": {
            "type": [
              "number",
              "null"
            ],
            "description": "How long the person and the agent or bot were bridged"
          },
          "abandoned": {
            "type": [
              "boolean",
              "null"
            ],
            "description": "Nobody took the person within connect.timeoutSec (or the second leg failed); null when no connect was tried"
          }
        }
      },
      "CampaignFile": {
        "type": "object",
        "description": "The campaign-file JSON format (README \"Campaign files\"): id, settings, and contacts or contactsFile.",
        "properties": {
          "id": {
            "type": "string"
          },
          "contacts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Contact"
            }
          },
          "contactsFile": {
            "type": "string"
          }
        },
        "additionalProperties": true
      },
      "ImportResult": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "created": {
            "type": "boolean"
          },
          "contactsAdded": {
            "type": "integer"
          },
          "contactsAlreadyPresent": {
            "type": "integer"
          },
          "duplicatesInRequest": {
            "type": "integer"
          },
          "skippedDNC": {
            "type": "integer"
          },
          "alreadyImportedAt": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "ValidationResult": {
        "type": "object",
        "description": "What ?validate=true found: the request is valid; nothing was imported. Contacts the campaign already has, or on the do-not-call list, are counted only by importing.",
        "properties": {
          "id": {
            "type": "string"
          },
          "valid": {
            "type": "boolean",
            "const": true
          },
          "campaignExists": {
            "type": "boolean"
          },
          "contacts": {
            "type": "integer",
            "description": "contacts in the request, repeats removed"
          },
          "duplicatesInRequest": {
            "type": "integer"
          },
          "imported": {
            "type": "boolean",
            "const": false
          }
        }
      },
      "CampaignStatus": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": [
              "string",
              "null"
            ]
          },
          "state": {
            "type": "string",
            "enum": [
              "active",
              "paused",
              "cancelled"
            ]
          },
          "total": {
            "type": "integer"
          },
          "counts": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          },
          "calls": {
            "type": "object",
            "description": "The campaign's calls: attempts started in the last minute, attempts ended and answered, and of the answered the AMD verdicts and the people put through to an agent or bot (onHuman.connect) who were abandoned.",
            "properties": {
              "perMinute": {
                "type": "integer",
                "description": "attempts started in the last 60 s"
              },
              "finished": {
                "type": "integer",
                "description": "attempts ended"
              },
              "answered": {
                "type": "integer",
                "description": "ended attempts that were answered"
              },
              "answerRate": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "answered / finished (0 before any ended)"
              },
              "amd": {
                "type": "object",
                "description": "answered attempts by their machineDetection verdict, as in the CDR",
                "properties": {
                  "amd_human_detected": {
                    "type": "integer"
                  },
                  "amd_machine_detected": {
                    "type": "integer"
                  },
                  "amd_no_speech_detected": {
                    "type": "integer"
                  },
                  "amd_decision_timeout": {
                    "type": "integer"
                  },
                  "amd_fax_detected": {
                    "type": "integer"
                  }
                }
              },
              "abandonment": {
                "type": "object",
                "properties": {
                  "people": {
                    "type": "integer",
                    "description": "people put through (a connect tried, not a machine)"
                  },
                  "abandoned": {
                    "type": "integer"
                  },
                  "rate": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "abandoned / people over the campaign"
                  },
                  "rateLast30Days": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "description": "abandoned / people over the last 30 days (47 CFR 64.1200(a)(7))"
                  }
                }
              }
            }
          }
        }
      },
      "CampaignControl": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "previousState": {
            "type": "string"
          },
          "state": {
            "type": "string"
          }
        }
      },
      "Status": {
        "type": "object",
        "properties": {
          "version": {
            "type": "string"
          },
          "callsInProgress": {
            "type": "integer",
            "description": "calls placed and not yet ended"
          },
          "dialoutLimitPerSecond": {
            "type": "number",
            "description": "limits.dialoutLimitPerSecond"
          },
          "trunks": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "name": {
                  "type": "string"
                },
                "registration": {
                  "type": "string",
                  "enum": [
                    "not-registering",
                    "registering",
                    "registered",
                    "failed"
                  ],
                  "description": "registering: no answer yet; failed: the last attempt failed (retried later)"
                },
                "ratePerSecond": {
                  "type": [
                    "number",
                    "null"
                  ],
                  "description": "the rate back-pressure (SIP 503/429 from the trunk) last set; null when it never lowered it"
                }
              }
            }
          },
          "webhooks": {
            "type": "object",
            "properties": {
              "pending": {
                "type": "integer",
                "description": "webhooks not yet delivered (not given up)"
              },
              "failed": {
                "type": "integer",
                "description": "webhooks given up"
              },
              "byCampaign": {
                "type": "array",
                "items": {
                  "type": "object",
                  "properties": {
                    "campaign": {
                      "type": "string"
                    },
                    "pending": {
                      "type": "integer"
                    },
                    "failed": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

"""#
}
